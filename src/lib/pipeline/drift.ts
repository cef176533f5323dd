import type {Programmed} from '../state/store.js'
import type {State} from '../state/schema.js'

/** What a change of these collections means for the hosts; what only describes is left out. */
const COLLECTIONS = ['nodes', 'netns', 'netlinks', 'pods', 'services', 'ingresses', 'ingressClasses', 'networkPolicies', 'namespaces', 'configMaps', 'secrets', 'endpoints', 'endpointSlices'] as const

const singular: Record<(typeof COLLECTIONS)[number], string> = {
  nodes: 'node',
  netns: 'netns',
  netlinks: 'link',
  pods: 'pod',
  services: 'service',
  ingresses: 'ingress',
  ingressClasses: 'ingressclass',
  networkPolicies: 'networkpolicy',
  namespaces: 'namespace',
  configMaps: 'configmap',
  secrets: 'secret',
  endpoints: 'endpoints',
  endpointSlices: 'endpointslice',
}

/** An object as far as the hosts care: a node's readiness and a pod's progress are the state's own business. */
function hostView(kind: string, v: unknown): string {
  if (kind === 'nodes') {
    const {ready: _r, reason: _s, pid: _p, ...rest} = v as Record<string, unknown>
    return JSON.stringify(rest)
  }
  if (kind === 'pods') {
    // (its readiness is the hosts' business, as endpoints; what its last probe said is not)
    const {phase: _p, pid: _i, containers: _c, reason: _s, probe: _q, ...rest} = v as Record<string, unknown>
    return JSON.stringify(rest)
  }
  return JSON.stringify(v)
}

/**
 * The state's objects the hosts were not (all) programmed with: what a command killed between its
 * state write and its scripts left, or nodes that missed a change. Pods still Pending or
 * Terminating are the pod checks' (their own process, or doctor's repair, finishes them).
 * Empty when the hosts hold what the state says.
 */
export function unprogrammed(saved: State, last: Programmed | undefined): string[] {
  if (!saved.cluster) return []
  if (!last || last.state.cluster?.createdAt !== saved.cluster.createdAt) return ['the whole cluster: there is no record of what its nodes were programmed from']
  const out = last.stale.filter((n) => saved.nodes[n]).map((n) => `node ${n}: it missed a change (it was unreachable, or its script failed)`)
  if (JSON.stringify(last.state.cluster) !== JSON.stringify(saved.cluster)) out.push('the cluster settings')
  const busy = (p: unknown) => ['Pending', 'Terminating'].includes((p as {phase?: string})?.phase ?? '')
  for (const kind of COLLECTIONS) {
    const now = saved[kind] as Record<string, unknown>
    const was = last.state[kind] as Record<string, unknown>
    for (const key of [...new Set([...Object.keys(now), ...Object.keys(was)])].sort()) {
      if (kind === 'pods' && (busy(now[key]) || busy(was[key]))) continue
      const a = key in now ? hostView(kind, now[key]) : undefined
      const b = key in was ? hostView(kind, was[key]) : undefined
      if (a === b) continue
      out.push(`${singular[kind]} ${key}: ${a === undefined ? 'deleted from the state, still on the nodes' : b === undefined ? 'in the state, not yet on the nodes' : 'changed in the state, not yet on the nodes'}`)
    }
  }
  return out
}
