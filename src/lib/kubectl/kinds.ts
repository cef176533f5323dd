/**
 * kubectl's resource names for the kinds mk8s has: plural, singular, short names and the
 * `kind.group` forms (`deployments.apps`), as `kubectl api-resources` lists them.
 */
import {InputError} from '../errors.js'
import {editDistance} from './suggest.js'

export interface KindInfo {
  kind: string
  plural: string
  singular: string
  short: string[]
  /** "" for the core group */
  group: string
  apiVersion: string
  namespaced: boolean
}

export const KINDS: readonly KindInfo[] = [
  {kind: 'Pod', plural: 'pods', singular: 'pod', short: ['po'], group: '', apiVersion: 'v1', namespaced: true},
  {kind: 'Service', plural: 'services', singular: 'service', short: ['svc'], group: '', apiVersion: 'v1', namespaced: true},
  {kind: 'Deployment', plural: 'deployments', singular: 'deployment', short: ['deploy'], group: 'apps', apiVersion: 'apps/v1', namespaced: true},
  {kind: 'StatefulSet', plural: 'statefulsets', singular: 'statefulset', short: ['sts'], group: 'apps', apiVersion: 'apps/v1', namespaced: true},
  {kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', short: ['ep'], group: '', apiVersion: 'v1', namespaced: true},
  {kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice', short: [], group: 'discovery.k8s.io', apiVersion: 'discovery.k8s.io/v1', namespaced: true},
  {kind: 'Ingress', plural: 'ingresses', singular: 'ingress', short: ['ing'], group: 'networking.k8s.io', apiVersion: 'networking.k8s.io/v1', namespaced: true},
  {kind: 'Secret', plural: 'secrets', singular: 'secret', short: [], group: '', apiVersion: 'v1', namespaced: true},
  {kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', short: ['cm'], group: '', apiVersion: 'v1', namespaced: true},
  {kind: 'NetworkPolicy', plural: 'networkpolicies', singular: 'networkpolicy', short: ['netpol'], group: 'networking.k8s.io', apiVersion: 'networking.k8s.io/v1', namespaced: true},
  {kind: 'IngressClass', plural: 'ingressclasses', singular: 'ingressclass', short: [], group: 'networking.k8s.io', apiVersion: 'networking.k8s.io/v1', namespaced: false},
  {kind: 'Node', plural: 'nodes', singular: 'node', short: ['no'], group: '', apiVersion: 'v1', namespaced: false},
  {kind: 'Namespace', plural: 'namespaces', singular: 'namespace', short: ['ns'], group: '', apiVersion: 'v1', namespaced: false},
]

/** What `get all` lists, in kubectl's order (of the kinds mk8s has). */
export const ALL = ['pods', 'services', 'deployments', 'statefulsets'] as const

/** Kinds of Kubernetes that mk8s does not make, so that the refusal says so rather than "unknown". */
const ABSENT: Record<string, string> = {
  ds: 'DaemonSet', daemonset: 'DaemonSet', daemonsets: 'DaemonSet',
  rs: 'ReplicaSet', replicaset: 'ReplicaSet', replicasets: 'ReplicaSet',
  job: 'Job', jobs: 'Job', cj: 'CronJob', cronjob: 'CronJob', cronjobs: 'CronJob',
  pv: 'PersistentVolume', pvc: 'PersistentVolumeClaim', sa: 'ServiceAccount', serviceaccounts: 'ServiceAccount',
}

/** `deployment.apps` when the kind has a group, as `-o name` prints it. */
export const qualified = (k: KindInfo): string => (k.group ? `${k.singular}.${k.group}` : k.singular)

/** One kind from any of kubectl's names for it (case-insensitive); exit 2 otherwise, with a guess. */
export function resolveKind(word: string): KindInfo {
  const w = word.toLowerCase()
  const found = KINDS.find((k) => [k.plural, k.singular, k.kind.toLowerCase(), ...k.short, `${k.plural}.${k.group}`, `${k.singular}.${k.group}`].includes(w))
  if (found) return found
  if (ABSENT[w]) throw new InputError(`mk8s has no ${ABSENT[w]}s: the kinds it makes are ${KINDS.map((k) => k.plural).join(', ')}`, "see 'mk8s get all'")
  const names = KINDS.flatMap((k) => [k.plural, k.singular, ...k.short])
  const guess = names.map((n) => [n, editDistance(w, n)] as const).sort((a, b) => a[1] - b[1])[0]
  throw new InputError(`the server doesn't have a resource type "${word}"`, guess[1] <= 2 ? `did you mean "${guess[0]}"?` : `kinds: ${KINDS.map((k) => `${k.plural}${k.short.length ? ` (${k.short.join(',')})` : ''}`).join(', ')}`)
}

export interface KindArgs {
  /** each kind with its names ([] for all of that kind) */
  requests: Array<{kind: KindInfo; names: string[]}>
  /** more than one kind, or TYPE/NAME forms: names print as kind/name */
  multi: boolean
}

/**
 * kubectl's arguments: `KIND[,KIND] [NAME...]` or `KIND/NAME [KIND/NAME...]`; `all` for `get all`.
 */
export function parseKindArgs(args: readonly string[]): KindArgs {
  if (args.length === 0) throw new InputError('you must specify the type of resource to get', `e.g. 'mk8s get pods', 'mk8s get svc web', 'mk8s get pod/web'; kinds: ${KINDS.map((k) => k.plural).join(', ')}`)
  if (args[0].includes('/')) {
    const requests: KindArgs['requests'] = []
    for (const a of args) {
      const i = a.indexOf('/')
      if (i < 1 || i === a.length - 1) throw new InputError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (${JSON.stringify(a)})`, "write every argument as KIND/NAME, e.g. 'pod/web svc/web'")
      const kind = resolveKind(a.slice(0, i))
      const prev = requests.find((r) => r.kind === kind)
      if (prev) prev.names.push(a.slice(i + 1))
      else requests.push({kind, names: [a.slice(i + 1)]})
    }
    return {requests, multi: true}
  }
  const words = args[0].split(',').filter(Boolean)
  const kinds = words.flatMap((w) => (w.toLowerCase() === 'all' ? ALL.map((p) => resolveKind(p)) : [resolveKind(w)]))
  const unique = [...new Set(kinds)]
  const names = args.slice(1)
  for (const n of names) if (n.includes('/')) throw new InputError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (${JSON.stringify(n)})`, `e.g. 'mk8s get ${n}' or 'mk8s get ${args[0]} ${n.slice(n.indexOf('/') + 1)}'`)
  return {requests: unique.map((kind) => ({kind, names})), multi: unique.length > 1 || words.some((w) => w.toLowerCase() === 'all')}
}
