/**
 * `get endpoints` and `get endpointslices` as kubectl shows them: the objects users applied, and
 * for each Service with a selector the ones Kubernetes' controllers would make from its pods
 * (read-only, never stored): an Endpoints named like the Service, one EndpointSlice SERVICE-xxxxx.
 */
import {podEndpointsOf, selectedPods} from '../svc/endpoints.js'
import type {EndpointSliceRecord, EndpointsRecord, ServiceRecord, State} from '../state/schema.js'
import {objKey} from '../state/schema.js'
import {CONTROLLER, derivedSliceName, hasSelector, MANAGED_BY_LABEL, SERVICE_NAME_LABEL} from './model.js'

type Meta = {name: string; namespace: string; uid: string; createdAt: string; labels?: Record<string, string>; annotations?: Record<string, string>}

const meta = (o: Meta, labels = o.labels) => ({
  name: o.name,
  namespace: o.namespace,
  uid: o.uid,
  creationTimestamp: o.createdAt,
  ...(labels && Object.keys(labels).length ? {labels} : {}),
  ...(o.annotations && Object.keys(o.annotations).length ? {annotations: o.annotations} : {}),
})

/** A v1 Endpoints object as applied (empty lists left out, as the API server prints them). */
export const toV1StoredEndpoints = (e: EndpointsRecord) => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: meta(e),
  subsets: e.subsets.map((s) => ({
    ...(s.addresses.length ? {addresses: s.addresses} : {}),
    ...(s.notReadyAddresses.length ? {notReadyAddresses: s.notReadyAddresses} : {}),
    ...(s.ports.length ? {ports: s.ports} : {}),
  })),
})

/** A discovery.k8s.io/v1 EndpointSlice as applied. */
export const toV1StoredSlice = (e: EndpointSliceRecord) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: meta(e),
  addressType: e.addressType,
  endpoints: e.endpoints,
  ports: e.ports,
})

/** The EndpointSlice Kubernetes' endpointslice controller would make for a Service with a selector, from its pods. */
export function toV1DerivedSlice(state: State, s: ServiceRecord) {
  const pods = selectedPods(state, s)
  const eps = podEndpointsOf(state, s)
  const ports = pods.length ? eps.map(({port, endpoints}) => ({name: port.name ?? '', protocol: port.protocol, port: endpoints[0]?.port ?? (typeof port.targetPort === 'number' ? port.targetPort : port.port)})) : []
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta({...s, name: derivedSliceName(s), annotations: undefined}, {...s.labels, [MANAGED_BY_LABEL]: CONTROLLER, [SERVICE_NAME_LABEL]: s.name}),
    addressType: 'IPv4',
    endpoints: pods.map((p) => ({
      addresses: [p.ip!],
      conditions: {ready: true, serving: true, terminating: false},
      nodeName: p.node,
      targetRef: {kind: 'Pod', name: p.name, namespace: p.namespace, uid: p.uid},
    })),
    ports,
  }
}

export type V1Endpoints = {apiVersion: string; kind: string; metadata: ReturnType<typeof meta>; subsets: Array<{addresses?: unknown[]; notReadyAddresses?: unknown[]; ports?: unknown[]}>}
export type V1Slice = ReturnType<typeof toV1StoredSlice> | ReturnType<typeof toV1DerivedSlice>

const byKey = (a: {namespace: string; name: string}, b: {namespace: string; name: string}) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)

export interface Listed<T> {
  namespace: string
  name: string
  labels: Record<string, string>
  createdAt: string
  /** derived from a Service's pods: read-only */
  derived: boolean
  obj: T
}

/**
 * Every Endpoints object there is: one per Service with a selector, derived from its pods (it
 * hides an applied one of the same name, as the controller overwrites it), and the applied ones.
 */
export function listEndpoints(state: State, toDerived: (s: ServiceRecord) => V1Endpoints): Array<Listed<V1Endpoints>> {
  const out: Array<Listed<V1Endpoints>> = []
  for (const s of Object.values(state.services)) if (hasSelector(s)) out.push({namespace: s.namespace, name: s.name, labels: s.labels, createdAt: s.createdAt, derived: true, obj: toDerived(s)})
  for (const e of Object.values(state.endpoints)) {
    const svc = state.services[objKey(e.namespace, e.name)]
    if (svc && hasSelector(svc)) continue
    out.push({namespace: e.namespace, name: e.name, labels: e.labels, createdAt: e.createdAt, derived: false, obj: toV1StoredEndpoints(e) as V1Endpoints})
  }
  return out.sort(byKey)
}

/** Every EndpointSlice: one derived per Service with a selector, and the applied ones. */
export function listSlices(state: State): Array<Listed<V1Slice>> {
  const out: Array<Listed<V1Slice>> = []
  for (const s of Object.values(state.services)) {
    if (!hasSelector(s)) continue
    const obj = toV1DerivedSlice(state, s)
    out.push({namespace: s.namespace, name: obj.metadata.name, labels: obj.metadata.labels ?? {}, createdAt: s.createdAt, derived: true, obj})
  }
  for (const e of Object.values(state.endpointSlices)) out.push({namespace: e.namespace, name: e.name, labels: e.labels, createdAt: e.createdAt, derived: false, obj: toV1StoredSlice(e)})
  return out.sort(byKey)
}

/** kubectl's list of at most three, then "+ N more...", or <unset>. */
const more = (all: string[]) => (all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',') || '<unset>')

/** kubectl's PORTS of an EndpointSlice: the numbers. */
export const slicePortsText = (e: V1Slice): string => more(e.ports.map((p) => String(p.port)))

/** kubectl's ENDPOINTS of an EndpointSlice: every address, ready or not. */
export const sliceEndpointsText = (e: V1Slice): string => more(e.endpoints.flatMap((x) => x.addresses))
