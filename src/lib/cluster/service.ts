import type {Ctx} from '../context.js'
import {InputError} from '../errors.js'
import {emptyState, type Cluster, type State} from '../state/schema.js'
import {contains, nthAddress, overlaps, parseCidr} from '../util/cidr.js'
import {validateSubdomain} from '../util/names.js'
import {DEFAULTS} from './defaults.js'
import {sortedNodes} from './model.js'
import {refreshReadiness} from '../node/service.js'
import {program} from '../pipeline/index.js'

export interface InitOptions {
  podCIDR?: string
  serviceCIDR?: string
  backend?: Cluster['backend']
  proxyMode?: Cluster['proxyMode']
  driver?: Cluster['driver']
  clusterDomain?: string
  dnsIP?: string
  nodePortRange?: string
  lbPool?: string
  ingressNode?: string
}

function parsePortRange(text: string): [number, number] {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text)
  const r: [number, number] | undefined = m ? [Number(m[1]), Number(m[2])] : undefined
  if (!r || r[0] < 1 || r[1] > 65535 || r[0] > r[1]) throw new InputError(`invalid --node-port-range ${JSON.stringify(text)}`, 'e.g. 30000-32767')
  return r
}

/** The cluster's settings from the flags and defaults, validated; pure. */
export function clusterFromOptions(o: InitOptions, now = new Date().toISOString()): Cluster {
  const pod = parseCidr(o.podCIDR ?? DEFAULTS.podCIDR, 'pod CIDR')
  const svc = parseCidr(o.serviceCIDR ?? DEFAULTS.serviceCIDR, 'service CIDR')
  if (pod.bits > 23) throw new InputError(`the pod CIDR ${pod.text} is too small: each node takes a /24`, 'use a /16 like 10.244.0.0/16')
  if (svc.bits > 28) throw new InputError(`the service CIDR ${svc.text} is too small`, 'use something like 10.96.0.0/12')
  if (overlaps(pod, svc)) throw new InputError(`the pod CIDR ${pod.text} overlaps the service CIDR ${svc.text}`, 'choose networks that do not overlap, e.g. 10.244.0.0/16 and 10.96.0.0/12')
  const dnsIP = o.dnsIP ?? nthAddress(svc, 10)
  if (!contains(svc, dnsIP)) throw new InputError(`the DNS address ${dnsIP} is not inside the service CIDR ${svc.text}`)
  if (o.lbPool) {
    const lb = parseCidr(o.lbPool, 'LoadBalancer pool')
    for (const [what, c] of [['pod CIDR', pod], ['service CIDR', svc]] as const) {
      if (overlaps(lb, c)) throw new InputError(`the LoadBalancer pool ${lb.text} overlaps the ${what} ${c.text}`)
    }
  }
  return {
    podCIDR: pod.text,
    serviceCIDR: svc.text,
    backend: o.backend ?? DEFAULTS.backend,
    proxyMode: o.proxyMode ?? DEFAULTS.proxyMode,
    driver: o.driver ?? DEFAULTS.driver,
    clusterDomain: validateSubdomain('cluster domain', o.clusterDomain ?? DEFAULTS.clusterDomain),
    dnsIP,
    nodePortRange: o.nodePortRange ? parsePortRange(o.nodePortRange) : [...DEFAULTS.nodePortRange],
    lbPool: o.lbPool,
    ingressNode: o.ingressNode,
    createdAt: now,
  }
}

const SETTINGS: Array<keyof Cluster> = ['podCIDR', 'serviceCIDR', 'backend', 'proxyMode', 'driver', 'clusterDomain', 'dnsIP', 'nodePortRange', 'lbPool', 'ingressNode']

/** Create the cluster. The same settings again change nothing; other settings need a reset first. */
export async function clusterInit(ctx: Ctx, o: InitOptions): Promise<{cluster: Cluster; created: boolean}> {
  const wanted = clusterFromOptions(o)
  return ctx.store.update((s) => {
    if (s.cluster) {
      const diff = SETTINGS.filter((k) => JSON.stringify(s.cluster![k]) !== JSON.stringify(wanted[k]) && (o as Record<string, unknown>)[k] !== undefined)
      if (diff.length) {
        throw new InputError(
          `a cluster already exists with other settings (${diff.map((k) => `${k}: ${JSON.stringify(s.cluster![k])}`).join(', ')})`,
          "run 'mk8s cluster reset' first to start over with new settings",
        )
      }
      return {cluster: s.cluster, created: false}
    }
    s.cluster = wanted
    return {cluster: wanted, created: true}
  })
}

export async function clusterStatus(ctx: Ctx) {
  const state = ctx.store.read()
  const nodes = state.cluster ? await refreshReadiness(ctx) : []
  return {cluster: state.cluster, nodes, counts: {nodes: nodes.length, ready: nodes.filter((n) => n.ready).length}}
}

/**
 * Every node leaves at once and the cluster is forgotten: the pods' containers go (one runtime
 * connection per node), then one script per node removes everything mk8s made there. With
 * --force, nodes that cannot be reached are forgotten anyway.
 */
export async function clusterReset(ctx: Ctx, opts: {force?: boolean} = {}): Promise<{removedNodes: string[]}> {
  const state = ctx.store.read()
  const nodes = sortedNodes(state)
  const gone = await Promise.allSettled(nodes.map((n) => removeAllPods(ctx, state, n.name)))
  const failed = gone.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed && !opts.force) throw failed.reason
  try {
    await program(ctx, {desired: () => emptyState()})
  } catch (error) {
    if (!opts.force) throw error
    ctx.progress(`${(error as Error).message.split('\n')[0]}; forgotten anyway (--force)`)
  }
  await ctx.store.update((s) => {
    for (const k of Object.keys(s) as Array<keyof typeof s>) {
      if (k !== 'apiVersion' && k !== 'version') delete (s as Record<string, unknown>)[k]
    }
    Object.assign(s, emptyState())
  })
  return {removedNodes: nodes.map((n) => n.name)}
}

/** A node's pods' containers, all of them, through one runtime connection. */
async function removeAllPods(ctx: Ctx, state: State, node: string): Promise<void> {
  const pods = Object.values(state.pods).filter((p) => p.node === node)
  if (pods.length === 0) return
  await ctx.runtime.on(state.nodes[node], async (rt) => {
    for (const p of pods) await rt.removePod(p)
  })
}
