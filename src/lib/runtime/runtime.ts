import {hostOf} from '../cluster/hosts.js'
import type {PodDns} from '../dns/resolv.js'
import type {PodIdentity} from '../pod/identity.js'
import {pauseName} from '../pod/plan.js'
import {describeCreate} from '../pod/runtime.js'
import {quote} from '../host/quote.js'
import {boundary} from '../interrupt.js'
import {timed} from '../util/timing.js'
import type {DockerConn} from './docker.js'
import type {PodSpec} from '../pod/spec.js'
import type {NodeRecord, PodRecord} from '../state/schema.js'

export interface StartedContainer {
  name: string
  id: string
  image: string
}

/** What the pod service asks of a node's container runtime. */
export interface NodeRuntime {
  /** The pod's pause container made and started (no network: mk8s wires it); its id. */
  startPause(pod: PodRecord, dns?: PodDns, id?: PodIdentity): Promise<string>
  /** The app containers, made in the pause container's network and started. */
  startApps(pod: PodRecord, spec: PodSpec, pauseId: string): Promise<StartedContainer[]>
  /** Every container of the pod, found by its labels (apps first, pause last). */
  removePod(pod: Pick<PodRecord, 'namespace' | 'name' | 'uid'>): Promise<void>
  /** A read: is the pod's sandbox gone (its pause container not running, or an app container missing)? */
  sandboxGone(pod: PodRecord): Promise<boolean>
}

/** A node's runtime for the length of `fn` (one connection to its Docker for all of it). */
export interface Runtime {
  on<T>(node: NodeRecord, fn: (rt: NodeRuntime) => Promise<T>): Promise<T>
  /**
   * Begin connecting to a node's runtime ahead of the next `on` for it (a pod start whose node is
   * known before its reservation), which then takes that connection; `release` closes it if no
   * `on` took it.
   */
  prepare?(node: NodeRecord): {release(): Promise<void>}
}

/** Connections begun by prepare(), per node name, for the next on() to take. */
const prepared = new Map<string, Promise<DockerConn>>()

/** Docker on each node, through dockerode over the node's SSH connection. */
export const dockerRuntime: Runtime = {
  prepare(node) {
    const opening = import('./docker.js').then((d) => d.dockerFor(hostOf(node)))
    opening.catch(() => {}) // its error is the on()'s that takes it
    prepared.set(node.name, opening)
    return {
      async release() {
        if (prepared.get(node.name) !== opening) return
        prepared.delete(node.name)
        await opening.then((c) => c.close(), () => {})
      },
    }
  },
  async on(node, fn) {
    const opened = prepared.get(node.name)
    prepared.delete(node.name)
    const [{withDocker, dockerError}, rt] = await Promise.all([import('./docker.js'), import('../pod/runtime.js')])
    const local = hostOf(node).target.kind === 'local'
    const said = <T>(p: Promise<T>): Promise<T> => p.catch((error: unknown) => Promise.reject(dockerError(node.name, error, {local})))
    return withDocker(hostOf(node), (docker) =>
      fn({
        startPause: async (pod, dns, id) => {
          boundary(`pause ${node.name} ${pod.name}`)
          return (await timed(`docker pause container ${node.name} ${pod.name}`, () => said(rt.startPause(docker, node.name, pod, dns, id)))).id
        },
        startApps: (pod, spec, pauseId) => {
          boundary(`apps ${node.name} ${pod.name}`)
          return timed(`docker app containers ${node.name} ${pod.name}`, () => said(rt.startContainers(docker, node.name, pod, spec, pauseId)))
        },
        removePod: async (pod) => {
          boundary(`remove ${node.name} ${pod.name}`)
          await timed(`docker remove ${node.name} ${pod.name}`, () => said(rt.removePodContainers(docker, pod)))
        },
        sandboxGone: async (pod) => {
          const live = await said(rt.inspectPod(docker, pod))
          return !live.pause?.running || pod.containers.some((c) => !live.containers.some((l) => l.name === c.name))
        },
      }),
    opened)
  },
}

/**
 * What --dry-run and the service tests use: the Docker calls written as the docker commands that
 * do the same, per node, to `sink`; nothing runs. A container's id is its name (Docker takes
 * either), so the scripts printed beside these lines are the ones that would run.
 */
export function printingRuntime(sink: (node: NodeRecord, lines: string[]) => void, reads?: Runtime, describe = describeCreate): Runtime {
  return {
    async on(node, fn) {
      return fn({
        // reads change nothing: they go to the real runtime when there is one
        sandboxGone: (pod) => (reads ? reads.on(node, (rt) => rt.sandboxGone(pod)) : Promise.resolve(false)),
        async startPause(pod, dns, id) {
          sink(node, describe(pod, pod.spec, dns, id).slice(0, 1))
          return pauseName(pod)
        },
        async startApps(pod, spec) {
          sink(node, describe(pod, spec).slice(1))
          return spec.containers.map((c) => ({name: c.name, id: `k8s_${c.name}_${pod.name}_${pod.namespace}`, image: c.image}))
        },
        async removePod(pod) {
          sink(node, [`docker rm -f $(docker ps -aq --filter ${quote(`label=io.mk8s.pod=${pod.namespace}/${pod.name}`)})`])
        },
      })
    },
  }
}
