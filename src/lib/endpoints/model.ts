/**
 * The endpoints a user lists by hand (v1 Endpoints, discovery.k8s.io/v1 EndpointSlice), as
 * kube-proxy reads them: an Endpoints object named like a Service without a selector, and every
 * EndpointSlice labelled kubernetes.io/service-name: SERVICE (but those Kubernetes' own controller
 * made, which mk8s derives from the pods instead). Pure.
 */
import {createHash} from 'node:crypto'
import type {EndpointPort, EndpointSliceRecord, EndpointsRecord, ServicePort, ServiceRecord, State} from '../state/schema.js'
import {objKey} from '../state/schema.js'
import type {Endpoint} from '../svc/endpoints.js'

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name'
/** Who manages a slice; Kubernetes' controller writes this value on the slices it derives from pods. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by'
export const CONTROLLER = 'endpointslice-controller.k8s.io'

export const hasSelector = (svc: Pick<ServiceRecord, 'selector'>): boolean => Object.keys(svc.selector).length > 0

/** Does an Endpoints or EndpointSlice port serve this Service port? Same name (both unnamed counts) and protocol, as kube-proxy matches them. */
export const portMatches = (sp: ServicePort, ep: EndpointPort): boolean => (sp.name ?? '') === (ep.name ?? '') && sp.protocol === ep.protocol

/** Is a slice one that Kubernetes' endpointslice controller made (from a `get -o yaml`)? mk8s derives those from the pods. */
export const controllerMade = (e: EndpointSliceRecord): boolean => e.labels[MANAGED_BY_LABEL] === CONTROLLER

/** The stored Endpoints that give a Service its backends: named like it, and only while it has no selector. */
export function userEndpointsOf(state: State, svc: ServiceRecord): EndpointsRecord | undefined {
  return hasSelector(svc) ? undefined : state.endpoints[objKey(svc.namespace, svc.name)]
}

/** The stored EndpointSlices of a Service (its label), but controller-made ones; in name order. */
export function userSlicesOf(state: State, svc: Pick<ServiceRecord, 'namespace' | 'name'>): EndpointSliceRecord[] {
  return Object.values(state.endpointSlices)
    .filter((e) => e.namespace === svc.namespace && e.labels[SERVICE_NAME_LABEL] === svc.name && !controllerMade(e))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** The ready backends users listed for one port of a Service (notReadyAddresses and ready: false left out), in the order listed. */
export function manualEndpoints(state: State, svc: ServiceRecord, sp: ServicePort): Endpoint[] {
  const out: Endpoint[] = []
  for (const subset of userEndpointsOf(state, svc)?.subsets ?? []) {
    const p = subset.ports.find((x) => portMatches(sp, x))
    if (p) for (const a of subset.addresses) out.push({ip: a.ip, port: p.port, node: a.nodeName ?? '', ...(a.hostname ? {hostname: a.hostname} : {})})
  }
  for (const slice of userSlicesOf(state, svc)) {
    const p = slice.ports.find((x) => portMatches(sp, x))
    if (!p) continue
    for (const e of slice.endpoints) {
      // kube-proxy takes the first address of an endpoint; ready unset means ready
      if (e.conditions?.ready === false || !e.addresses.length) continue
      out.push({ip: e.addresses[0], port: p.port, node: e.nodeName ?? '', ...(e.hostname ? {hostname: e.hostname} : {})})
    }
  }
  return out
}

/** The ready addresses users listed for a Service, whatever the ports (a headless Service's DNS names them), each once. */
export function manualAddresses(state: State, svc: ServiceRecord): Array<{ip: string; hostname?: string}> {
  const out = new Map<string, {ip: string; hostname?: string}>()
  for (const subset of userEndpointsOf(state, svc)?.subsets ?? []) for (const a of subset.addresses) if (!out.has(a.ip)) out.set(a.ip, {ip: a.ip, ...(a.hostname ? {hostname: a.hostname} : {})})
  for (const slice of userSlicesOf(state, svc)) {
    for (const e of slice.endpoints) if (e.conditions?.ready !== false && e.addresses[0] && !out.has(e.addresses[0])) out.set(e.addresses[0], {ip: e.addresses[0], ...(e.hostname ? {hostname: e.hostname} : {})})
  }
  return [...out.values()]
}

/**
 * The services whose user-listed endpoints differ between two states: the Service named like a
 * changed Endpoints object, and the one each changed EndpointSlice's label names (before and after).
 */
export function servicesOfChangedEndpoints(before: State, after: State): Set<string> {
  const out = new Set<string>()
  const changed = <T>(b: Record<string, T>, a: Record<string, T>) =>
    [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
  for (const k of changed(before.endpoints, after.endpoints)) out.add(k)
  for (const k of changed(before.endpointSlices, after.endpointSlices)) {
    for (const e of [before.endpointSlices[k], after.endpointSlices[k]]) {
      const svc = e?.labels[SERVICE_NAME_LABEL]
      if (svc) out.add(objKey(e.namespace, svc))
    }
  }
  return out
}

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789'

/** The name of the EndpointSlice Kubernetes' controller would make for a Service: SERVICE-xxxxx (stable here: from its uid). */
export function derivedSliceName(svc: Pick<ServiceRecord, 'name' | 'uid'>): string {
  const h = createHash('sha256').update(svc.uid).digest()
  return `${svc.name.slice(0, 57)}-${[...h.subarray(0, 5)].map((b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('')}`
}
