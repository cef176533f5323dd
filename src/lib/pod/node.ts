import {step, type Plan} from '../host/plan.js'
import {podMtu} from '../overlay/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import type {Cluster, NodeRecord, PodRecord, State} from '../state/schema.js'
import {objKey} from '../state/schema.js'
import {cniAddPlan, cniDelPlan, cniPortmapPlan, containerName, loopbackOnlyPlan, netnsOf, pauseName, pausePid, pausePidStep, unwirePlan, wirePlan} from './plan.js'
import {hostPortMappings} from './spec.js'

/** The pods of a node whose pause container runs, so that their namespace is (to be) wired. */
const sandboxes = (state: State | undefined, node: string): Map<string, PodRecord> =>
  new Map(Object.entries(state?.pods ?? {}).filter(([, p]) => p.node === node && p.pauseId && p.network !== 'host' && p.phase !== 'Failed'))

/** What wires a pod's namespace: the pause pid found on the node, then the ip driver's steps, the CNI plugins, or only lo. */
export function wirePodPlan(cluster: Cluster, node: NodeRecord, p: PodRecord): Plan {
  const pid = pausePid(p)
  const mtu = podMtu(cluster, node)
  if (p.network === 'none') return [pausePidStep(p), ...loopbackOnlyPlan(pid)]
  if (cluster.driver === 'ip') return [pausePidStep(p), ...wirePlan({pod: p, node, pid, mtu})]
  const maps = hostPortMappings(p)
  return [pausePidStep(p), ...cniAddPlan(p, node, mtu, p.pauseId!, pid), ...(maps.length ? cniPortmapPlan('ADD', maps, p, node, p.pauseId!, netnsOf(pid)) : [])]
}

/** What is left of a pod on its node once its containers are gone: the veth's neighbour entry (ip), the lease and port maps (cni). */
export function unwirePodPlan(cluster: Cluster, node: NodeRecord, p: PodRecord): Plan {
  if (p.network !== 'pod') return []
  if (cluster.driver === 'ip') return unwirePlan(p)
  const maps = hostPortMappings(p)
  return [...(maps.length ? cniPortmapPlan('DEL', maps, p, node, p.pauseId!, '') : []), ...cniDelPlan(node, podMtu(cluster, node), p.pauseId!)]
}

/**
 * The pods' part of a node's script: namespaces wired for pods whose pause container started,
 * unwired for pods that went. Whole (a repair): every pod's wiring again (each step is idempotent).
 * The containers themselves are the pod service's, through the container runtime.
 */
export function podsPlanner({before, after, node, leaving}: NodeChange): Plan {
  if (leaving || !after.cluster) return []
  const cluster = after.cluster
  const now = sandboxes(after, node.name)
  const was = before?.cluster && before.nodes[node.name] ? sandboxes(before, node.name) : undefined
  const plan: Plan = []
  for (const [key, p] of was ?? []) {
    const n = now.get(key)
    if (!n || n.uid !== p.uid || n.pauseId !== p.pauseId) plan.push(...unwirePodPlan(cluster, node, p))
  }
  for (const [key, p] of now) {
    const o = was?.get(key)
    if (o && o.uid === p.uid && o.pauseId === p.pauseId) continue
    plan.push(...wirePodPlan(cluster, node, p))
  }
  return plan
}

/** At boot the node's Docker may still be starting (its unit is ordered before, but socket activation answers early). */
const WAIT_DOCKER = 'for i in $(seq 120); do docker info >/dev/null 2>&1 && exit 0; sleep 0.5; done; echo "docker does not answer" >&2; exit 1'

/**
 * The pods' part of the boot script: what kubelet does for each sandbox after a reboot, with the
 * containers Docker kept (stopped) and the state's addresses. Each pod's pause container starts
 * first, in a new namespace, which is wired again with the pod's own address (what is left of its
 * old wiring is released first: host-local's lease on disk for that same sandbox, the neighbour
 * entry), then its app containers start, which join it. Host-network pods only start again.
 */
export function podsBootPlan(state: State, node: NodeRecord): Plan {
  const cluster = state.cluster
  if (!cluster) return []
  const pods = Object.values(state.pods)
    .filter((p) => p.node === node.name && p.pauseId && p.phase !== 'Failed')
    .sort((a, b) => (objKey(a.namespace, a.name) < objKey(b.namespace, b.name) ? -1 : 1))
  if (pods.length === 0) return []
  const plan: Plan = [step(['sh', '-c', WAIT_DOCKER])]
  for (const p of pods) {
    plan.push(step(['docker', 'start', pauseName(p)]))
    if (p.network !== 'host') plan.push(...unwirePodPlan(cluster, node, p).map((s) => ({...s, tolerate: true})), ...wirePodPlan(cluster, node, p))
    for (const c of p.spec.containers) plan.push(step(['docker', 'start', containerName(p, c.name)]))
  }
  return plan
}
