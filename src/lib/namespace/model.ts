import type {NamespaceRecord, State} from '../state/schema.js'

/** Namespaces every cluster has; Kubernetes refuses to delete the first three. */
export const BUILT_IN_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system']
export const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-public', 'kube-system'])

/** The label Kubernetes sets on every namespace, whatever was applied. */
export const NAME_LABEL = 'kubernetes.io/metadata.name'

/**
 * A namespace's labels, for label selectors (NetworkPolicy namespaceSelector): what was applied,
 * with kubernetes.io/metadata.name always set to its name, also for a namespace never applied.
 */
export const namespaceLabels = (state: State, ns: string): Record<string, string> => ({...(state.namespaces[ns]?.labels ?? {}), [NAME_LABEL]: ns})

/** A namespace as `ns list` shows it: applied, built in, or only named by the objects in it. */
export interface NamespaceView {
  name: string
  labels: Record<string, string>
  uid?: string
  createdAt?: string
  /** applied: a Namespace object; built-in: every cluster has it; implicit: only objects are in it */
  origin: 'applied' | 'built-in' | 'implicit'
}

/** Every namespace an object of the state is in, with how many objects of each kind. */
export function namespaceContents(state: State, ns: string): {pods: number; deployments: number; services: number; ingresses: number; secrets: number; configMaps: number} {
  const n = (xs: Record<string, {namespace: string}>) => Object.values(xs).filter((x) => x.namespace === ns).length
  return {pods: n(state.pods), deployments: n(state.deployments), services: n(state.services), ingresses: n(state.ingresses), secrets: n(state.secrets), configMaps: n(state.configMaps)}
}

const usedNamespaces = (state: State): string[] =>
  [...new Set([state.pods, state.deployments, state.statefulSets, state.services, state.ingresses, state.secrets, state.configMaps].flatMap((xs) => Object.values(xs).map((x) => x.namespace)))]

/** All namespaces, sorted by name. */
export function listNamespaces(state: State): NamespaceView[] {
  const names = new Set([...Object.keys(state.namespaces), ...BUILT_IN_NAMESPACES, ...usedNamespaces(state)])
  return [...names].sort().map((name) => viewOf(state, name))
}

export function viewOf(state: State, name: string): NamespaceView {
  const rec: NamespaceRecord | undefined = state.namespaces[name]
  if (rec) return {...rec, origin: 'applied'}
  const builtIn = BUILT_IN_NAMESPACES.includes(name)
  return {name, labels: namespaceLabels(state, name), createdAt: builtIn ? state.cluster?.createdAt : undefined, origin: builtIn ? 'built-in' : 'implicit'}
}

/** Does the namespace exist: applied, built in, or holding objects? */
export const namespaceExists = (state: State, name: string): boolean =>
  Boolean(state.namespaces[name]) || BUILT_IN_NAMESPACES.includes(name) || usedNamespaces(state).includes(name)

/** A v1 Namespace, as kubectl shows one. */
export const toV1Namespace = (v: NamespaceView) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {name: v.name, ...(v.uid ? {uid: v.uid} : {}), ...(v.createdAt ? {creationTimestamp: v.createdAt} : {}), labels: v.labels},
  spec: {finalizers: ['kubernetes']},
  status: {phase: 'Active'},
})
