/**
 * The objects of `mk8s get`, per kind, as v1 objects with kubectl's table columns. Pods are asked
 * live from their nodes (one round trip per node), nodes are asked whether they answer (as
 * `node list` does); the rest comes from the state.
 */
import type {Ctx} from '../context.js'
import {InputError} from '../errors.js'
import {ingressHosts, ingressPorts, ingressAddress, toV1Ingress} from '../ingress/v1.js'
import {nodeStatus} from '../node/render.js'
import {refreshReadiness, toV1Node} from '../node/service.js'
import {livePods, podStatus, type PodLive} from '../pod/service.js'
import {toV1Pod} from '../pod/v1.js'
import {containerReady} from '../pod/model.js'
import type {PodRecord, State} from '../state/schema.js'
import {clusterIPText, externalIP, portsText, toV1Service} from '../svc/v1.js'
import {age} from '../util/age.js'
import type {KindInfo} from './kinds.js'
import {labelsText, type Group, type Row, type V1Object} from './printers.js'
import {matchesFields, matchesSelector, type FieldRequirement, type Selector} from './selector.js'
import {selectorText, toV1NetworkPolicy} from '../netpol/render.js'
import {listEndpoints, listSlices, sliceEndpointsText, slicePortsText} from '../endpoints/v1.js'
import {toV1StatefulSet} from '../statefulset/v1.js'
import {endpointsText, namespacesOf, toV1ConfigMap, toV1Deployment, toV1Endpoints, toV1IngressClass, toV1Namespace, toV1Secret} from './v1.js'

export interface Query {
  /** undefined: every namespace (-A) */
  namespace: string | undefined
  names: string[]
  selector: Selector
  fields: FieldRequirement[]
  now?: number
}

const inNs = (q: Query) => (o: {namespace: string}) => q.namespace === undefined || o.namespace === q.namespace
const byKey = <T extends {namespace: string; name: string}>(a: T, b: T) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)

export const HEADS: Record<string, {head: string[]; wideHead: string[]}> = {
  Pod: {head: ['READY', 'STATUS', 'RESTARTS', 'AGE'], wideHead: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']},
  Service: {head: ['TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], wideHead: ['SELECTOR']},
  Deployment: {head: ['READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], wideHead: ['CONTAINERS', 'IMAGES', 'SELECTOR']},
  StatefulSet: {head: ['READY', 'AGE'], wideHead: ['CONTAINERS', 'IMAGES']},
  Endpoints: {head: ['ENDPOINTS', 'AGE'], wideHead: []},
  EndpointSlice: {head: ['ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], wideHead: []},
  Ingress: {head: ['CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'], wideHead: []},
  Secret: {head: ['TYPE', 'DATA', 'AGE'], wideHead: []},
  Node: {head: ['STATUS', 'ROLES', 'AGE', 'VERSION'], wideHead: ['INTERNAL-IP', 'EXTERNAL-IP', 'POD-CIDR']},
  Namespace: {head: ['STATUS', 'AGE'], wideHead: []},
  ConfigMap: {head: ['DATA', 'AGE'], wideHead: []},
  NetworkPolicy: {head: ['POD-SELECTOR', 'AGE'], wideHead: []},
  IngressClass: {head: ['CONTROLLER', 'PARAMETERS', 'AGE'], wideHead: []},
}

/** kubectl's READY and STATUS of a pod, from its live containers (or the state's phase when the node was not asked); a container with a readinessProbe counts once the pod's probes passed. */
export function podCells(l: PodLive, now?: number): {cells: string[]; wide: string[]} {
  const p = l.pod
  const asked = l.containers.length > 0 || Boolean(l.unknown)
  const ready = asked ? `${l.containers.filter((c) => containerReady(p, c.name, c.running)).length}/${p.containers.length}` : `0/${p.containers.length}`
  const restarts = l.containers.reduce((a, c) => a + c.restartCount, 0)
  return {cells: [ready, asked ? podStatus(l) : p.phase, String(restarts), age(p.createdAt, now)], wide: [p.ip ?? '<none>', p.node, '<none>', '<none>']}
}

const containersOf = (template: unknown) => ((template as {spec?: {containers?: Array<{name: string; image: string}>}}).spec?.containers ?? [])

/** The rows of one kind, before selectors. */
async function rowsOf(ctx: Ctx, state: State, kind: KindInfo, q: Query): Promise<Row[]> {
  const now = q.now
  const named = <T extends {name: string}>(xs: T[]) => (q.names.length ? xs.filter((x) => q.names.includes(x.name)) : xs)
  switch (kind.kind) {
    case 'Pod': {
      const pods = named(Object.values(state.pods).filter(inNs(q)).sort(byKey))
      const selected = pods.filter((p) => matchesSelector(q.selector, p.labels))
      const live = await livePods(ctx, selected)
      return live.map((l) => ({obj: toV1Pod(l.pod, l, state.nodes[l.pod.node]?.address) as V1Object, ...podCells(l, now)}))
    }
    case 'Service':
      return named(Object.values(state.services).filter(inNs(q)).sort(byKey)).map((s) => ({
        obj: toV1Service(s) as V1Object,
        cells: [s.type, clusterIPText(s), externalIP(s), portsText(s), age(s.createdAt, now)],
        wide: [Object.keys(s.selector).length ? labelsText(s.selector) : '<none>'],
      }))
    case 'Deployment':
      return named(Object.values(state.deployments).filter(inNs(q)).sort(byKey)).map((d) => {
        const obj = toV1Deployment(state, d)
        const cs = containersOf(d.template)
        return {
          obj: obj as V1Object,
          cells: [`${obj.status.readyReplicas}/${d.replicas}`, String(obj.status.updatedReplicas), String(obj.status.availableReplicas), age(d.createdAt, now)],
          wide: [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(','), labelsText(d.selector)],
        }
      })
    case 'StatefulSet':
      return named(Object.values(state.statefulSets).filter(inNs(q)).sort(byKey)).map((s) => {
        const obj = toV1StatefulSet(state, s)
        const cs = containersOf(s.template)
        return {obj: obj as V1Object, cells: [`${obj.status.readyReplicas}/${s.replicas}`, age(s.createdAt, now)], wide: [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')]}
      })
    case 'Endpoints':
      return named(listEndpoints(state, (s) => toV1Endpoints(state, s)).filter(inNs(q))).map((e) => ({obj: e.obj as V1Object, cells: [endpointsText(e.obj), age(e.createdAt, now)], wide: []}))
    case 'EndpointSlice':
      return named(listSlices(state).filter(inNs(q))).map((e) => ({obj: e.obj as V1Object, cells: [e.obj.addressType, slicePortsText(e.obj), sliceEndpointsText(e.obj), age(e.createdAt, now)], wide: []}))
    case 'Ingress': {
      const address = ingressAddress(state)
      return named(Object.values(state.ingresses).filter(inNs(q)).sort(byKey)).map((i) => ({
        obj: toV1Ingress(i, address) as V1Object,
        cells: [i.spec.ingressClassName ?? '<none>', ingressHosts(i), address ?? '', ingressPorts(i), age(i.createdAt, now)],
        wide: [],
      }))
    }
    case 'Secret':
      return named(Object.values(state.secrets).filter(inNs(q)).sort(byKey)).map((s) => ({
        obj: toV1Secret(s) as V1Object,
        cells: [s.type, String(Object.keys(s.data).length), age(s.createdAt, now)],
        wide: [],
      }))
    case 'Node': {
      const wanted = named(Object.values(state.nodes).sort((a, b) => a.name.localeCompare(b.name)))
      const nodes = wanted.length ? await refreshReadiness(ctx, wanted.map((n) => n.name)) : []
      return nodes.map((n) => ({
        obj: toV1Node(n, state.cluster) as V1Object,
        cells: [nodeStatus(n), '<none>', age(n.joinedAt, now), 'mk8s'],
        wide: [n.address, '<none>', n.podCIDR],
      }))
    }
    case 'Namespace':
      return named(namespacesOf(state)).map((n) => ({obj: toV1Namespace(n) as V1Object, cells: ['Active', age(n.createdAt, now)], wide: []}))
    case 'ConfigMap':
      return named(Object.values(state.configMaps).filter(inNs(q)).sort(byKey)).map((m) => ({obj: toV1ConfigMap(m) as V1Object, cells: [String(Object.keys(m.data).length), age(m.createdAt, now)], wide: []}))
    case 'NetworkPolicy':
      return named(Object.values(state.networkPolicies).filter(inNs(q)).sort(byKey)).map((p) => ({obj: toV1NetworkPolicy(p) as V1Object, cells: [selectorText(p.spec.podSelector), age(p.createdAt, now)], wide: []}))
    case 'IngressClass':
      return named(Object.values(state.ingressClasses).sort((a, b) => a.name.localeCompare(b.name))).map((c) => ({obj: toV1IngressClass(c) as V1Object, cells: [c.controller, '<none>', age(c.createdAt, now)], wide: []}))
  }
  throw new InputError(`mk8s cannot list ${kind.plural}`)
}

/** One group per kind asked, filtered by the selectors; names asked that do not exist are returned apart. */
export async function getGroups(ctx: Ctx, requests: Array<{kind: KindInfo; names: string[]}>, q: Omit<Query, 'names'>): Promise<{groups: Group[]; missing: string[]}> {
  const state = ctx.store.read()
  const groups: Group[] = []
  const missing: string[] = []
  for (const {kind, names} of requests) {
    const query = {...q, names, namespace: kind.namespaced ? q.namespace : undefined}
    const rows = (await rowsOf(ctx, state, kind, query)).filter((r) => matchesSelector(q.selector, r.obj.metadata.labels) && matchesFields(q.fields, r.obj))
    for (const n of names) if (!rows.some((r) => r.obj.metadata.name === n)) missing.push(`${kind.plural}${kind.group ? `.${kind.group}` : ''} "${n}" not found`)
    groups.push({kind, ...HEADS[kind.kind], rows})
  }
  return {groups, missing}
}

/** The pods that a selector picks, for logs, wait and delete. */
export const podsSelected = (state: State, namespace: string | undefined, sel: Selector): PodRecord[] =>
  Object.values(state.pods).filter((p) => (namespace === undefined || p.namespace === namespace) && matchesSelector(sel, p.labels)).sort(byKey)

const rowKey = (g: Group, r: Row) => `${g.kind.kind}/${r.obj.metadata.namespace ?? ''}/${r.obj.metadata.name}`
// the object, not its cells: AGE moves every second, as an object does not
const rowText = (r: Row) => JSON.stringify(r.obj)

/**
 * get --watch: ask again every `everyMs` and hand `print` the rows that changed, appeared or went
 * (a row that went is printed as it last was), as kubectl's watch prints events; until `done`.
 */
export async function watchGroups(ctx: Ctx, requests: Array<{kind: KindInfo; names: string[]}>, q: Omit<Query, 'names'>, first: Group[], print: (changed: Group[]) => void, done: () => boolean, everyMs = 1000): Promise<void> {
  let seen = new Map(first.flatMap((g) => g.rows.map((r) => [rowKey(g, r), {g, r}] as const)))
  while (!done()) {
    await new Promise((r) => setTimeout(r, everyMs))
    const {groups} = await getGroups(ctx, requests, q)
    const now = new Map(groups.flatMap((g) => g.rows.map((r) => [rowKey(g, r), {g, r}] as const)))
    const changed = new Map<string, Row[]>()
    const add = (g: Group, r: Row) => changed.set(g.kind.kind, [...(changed.get(g.kind.kind) ?? []), r])
    for (const [k, {g, r}] of now) if (!seen.has(k) || rowText(seen.get(k)!.r) !== rowText(r)) add(g, r)
    for (const [k, {g, r}] of seen) if (!now.has(k)) add(g, r)
    if (changed.size) print(groups.filter((g) => changed.has(g.kind.kind)).map((g) => ({...g, rows: changed.get(g.kind.kind)!})))
    seen = now
  }
}
