import type {PodRecord, State} from '../state/schema.js'
import {objKey} from '../state/schema.js'
import type {Peer, Policy, Selector} from './spec.js'
import {toPolicy} from './spec.js'

/** Does a v1 LabelSelector select these labels? An empty selector ({}) selects everything. */
export function matches(sel: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key)
    const inValues = has && (e.values ?? []).includes(labels[e.key])
    if (e.operator === 'In' && !inValues) return false
    if (e.operator === 'NotIn' && inValues) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}

/** A namespace's labels (with the implied kubernetes.io/metadata.name): the namespace area's. */
export {namespaceLabels} from '../namespace/model.js'
import {namespaceLabels} from '../namespace/model.js'

/** Namespaces the cluster knows of (every namespace a pod, service or policy lives in). */
export function knownNamespaces(state: State): string[] {
  const ns = new Set<string>(['default'])
  for (const o of [...Object.values(state.pods), ...Object.values(state.services), ...Object.values(state.networkPolicies)]) ns.add(o.namespace)
  for (const k of Object.keys((state as {namespaces?: Record<string, unknown>}).namespaces ?? {})) ns.add(k)
  return [...ns].sort()
}

/** Pods on the pod network with an address: the only ones policies select or that peers name. */
export const policyPods = (state: State): PodRecord[] =>
  Object.values(state.pods)
    .filter((p) => p.network === 'pod' && p.ip && p.phase !== 'Terminating')
    .sort((a, b) => objKey(a.namespace, a.name).localeCompare(objKey(b.namespace, b.name)))

/** Every policy of the state as mk8s acts on it, in key order. */
export function policies(state: State): Policy[] {
  return Object.keys(state.networkPolicies)
    .sort()
    .map((k) => {
      const r = state.networkPolicies[k]
      return toPolicy(r.namespace, r.name, r.spec)
    })
}

/** The pods a policy applies to (its podSelector, in its own namespace). */
export const selectedBy = (state: State, p: Policy, pods: PodRecord[] = policyPods(state)): PodRecord[] => pods.filter((pod) => pod.namespace === p.namespace && matches(p.podSelector, pod.labels))

/** Does a peer of a policy in namespace `ns` name this pod? (ipBlock peers name addresses, see inBlock.) */
export function peerSelectsPod(state: State, ns: string, peer: Peer, pod: PodRecord): boolean {
  if (peer.kind !== 'pods') return false
  const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, namespaceLabels(state, pod.namespace)) : pod.namespace === ns
  return nsOk && (!peer.podSelector || matches(peer.podSelector, pod.labels))
}

/** Named container port of a pod, per protocol. */
export function namedPort(pod: PodRecord, name: string, protocol: string): number | undefined {
  const containers = (pod.spec.containers ?? [])
  for (const c of containers) for (const p of c.ports ?? []) if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p.containerPort
  return undefined
}
