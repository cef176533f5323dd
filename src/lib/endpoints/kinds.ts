/**
 * v1 Endpoints and discovery.k8s.io/v1 EndpointSlice for `apply -f` / `delete -f`: the backends of
 * a Service without a selector, kept in the state; the services area's rules, DNS and ingress
 * follow through endpointsOf. Those of a Service with a selector are derived from its pods and
 * read-only (see v1.ts).
 */
import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {InputError, notFound} from '../errors.js'
import {fieldPath, type Segment} from '../manifest/fields.js'
import type {BatchOptions, KindHandler} from '../manifest/kinds.js'
import {program} from '../pipeline/index.js'
import {validateLabels} from '../pod/spec.js'
import {EndpointSliceSchema, EndpointsSchema, objKey, type EndpointPort, type EndpointSliceRecord, type EndpointsRecord, type State} from '../state/schema.js'
import {contains, parseCidr} from '../util/cidr.js'
import {validateSubdomain} from '../util/names.js'
import {CONTROLLER, derivedSliceName as derivedName, hasSelector, MANAGED_BY_LABEL, portMatches, SERVICE_NAME_LABEL} from './model.js'
import {parseEndpoints, parseEndpointSlice, type EndpointSliceInput, type EndpointsInput} from './spec.js'

type Meta = {name: string; labels?: Record<string, string>; annotations?: Record<string, string>}

const metaOf = (doc: Record<string, unknown>, namespace: string, where: string, kind: string) => {
  const m = (doc.metadata ?? {}) as Meta
  validateSubdomain(kind, m.name)
  return {namespace, name: m.name, labels: validateLabels(m.labels ?? {}, where), ...(m.annotations && Object.keys(m.annotations).length ? {annotations: m.annotations} : {})}
}

/** An address in the service CIDR cannot be a backend: a DNATed packet is not DNATed again. */
function checkServiceCidr(state: State, where: string, addrs: Array<{path: Segment[]; ip: string}>): void {
  if (!state.cluster) return
  const cidr = parseCidr(state.cluster.serviceCIDR)
  const bad = addrs.find((a) => contains(cidr, a.ip))
  if (bad) throw new InputError(`${where}: ${fieldPath(bad.path)}: ${bad.ip} is in the service CIDR ${cidr.text}: a ClusterIP cannot be another service's endpoint`, 'list the addresses of that service\'s endpoints instead; nothing was applied')
}

/** What apply says beside created/configured when the object will not do what it seems to. */
function portNote(state: State, namespace: string, service: string, ports: EndpointPort[]): string | undefined {
  const svc = state.services[objKey(namespace, service)]
  if (!svc) return undefined
  const lost = ports.filter((p) => !svc.ports.some((sp) => portMatches(sp, p)))
  if (!lost.length) return undefined
  const names = svc.ports.map((sp) => `${JSON.stringify(sp.name ?? '')}/${sp.protocol}`).join(', ')
  return `port ${lost.map((p) => `${JSON.stringify(p.name ?? '')}/${p.protocol}`).join(', ')} matches no port of service ${service} (ports match by name and protocol; its ports are ${names})`
}

function endpointsNote(state: State, e: EndpointsInput): string | undefined {
  const svc = state.services[objKey(e.namespace, e.name)]
  if (svc && hasSelector(svc)) return `not used: service ${e.name} has a selector, so its endpoints are the pods it selects (Kubernetes' endpoints controller overwrites such an object); remove the selector to list them by hand`
  return portNote(state, e.namespace, e.name, e.subsets.flatMap((s) => s.ports))
}

function sliceNote(state: State, e: EndpointSliceInput): string | undefined {
  const service = e.labels[SERVICE_NAME_LABEL]
  if (!service) return `not used: without a ${SERVICE_NAME_LABEL} label it gives no Service endpoints`
  if (e.labels[MANAGED_BY_LABEL] === CONTROLLER) return `not used: ${MANAGED_BY_LABEL}: ${CONTROLLER} marks a slice Kubernetes derives from the pods, as mk8s does itself (mk8s get endpointslices)`
  return portNote(state, e.namespace, service, e.ports)
}

const verb = (created: boolean, changed: boolean) => (created ? 'created' : changed ? 'configured' : 'unchanged')

export async function applyEndpoints(ctx: Ctx, input: EndpointsInput, where: string, o: BatchOptions = {}): Promise<string> {
  const key = objKey(input.namespace, input.name)
  const r = await ctx.store.update((s) => {
    checkServiceCidr(s, where, input.subsets.flatMap((sub, i) => (['addresses', 'notReadyAddresses'] as const).flatMap((k) => sub[k].map((a, j) => ({path: ['subsets', i, k, j, 'ip'], ip: a.ip})))))
    const old = s.endpoints[key]
    // in the schema's key order, as the state file reads back, so that the same object is unchanged
    const rec: EndpointsRecord = EndpointsSchema.parse({...input, uid: old?.uid ?? randomUUID(), createdAt: old?.createdAt ?? new Date().toISOString()})
    s.endpoints[key] = rec
    return {created: !old, changed: JSON.stringify(old) !== JSON.stringify(rec), note: endpointsNote(s, input)}
  })
  if (o.program !== false) await program(ctx)
  return `endpoints/${input.name} ${verb(r.created, r.changed)}${r.note ? ` (${r.note})` : ''}`
}

export async function applyEndpointSlice(ctx: Ctx, input: EndpointSliceInput, where: string, o: BatchOptions = {}): Promise<string> {
  const key = objKey(input.namespace, input.name)
  const r = await ctx.store.update((s) => {
    checkServiceCidr(s, where, input.endpoints.flatMap((e, i) => e.addresses.map((ip, j) => ({path: ['endpoints', i, 'addresses', j], ip}))))
    const old = s.endpointSlices[key]
    const rec: EndpointSliceRecord = EndpointSliceSchema.parse({...input, uid: old?.uid ?? randomUUID(), createdAt: old?.createdAt ?? new Date().toISOString()})
    s.endpointSlices[key] = rec
    return {created: !old, changed: JSON.stringify(old) !== JSON.stringify(rec), note: sliceNote(s, input)}
  })
  if (o.program !== false) await program(ctx)
  return `endpointslice.discovery.k8s.io/${input.name} ${verb(r.created, r.changed)}${r.note ? ` (${r.note})` : ''}`
}

/** Why a derived object cannot be deleted, or undefined when it can (it is stored, or does not exist). */
export function derivedDeleteRefusal(state: State, kind: 'Endpoints' | 'EndpointSlice', namespace: string, name: string): InputError | undefined {
  if (kind === 'Endpoints') {
    const svc = state.services[objKey(namespace, name)]
    if (state.endpoints[objKey(namespace, name)] || !svc || !hasSelector(svc)) return undefined
    return new InputError(`endpoints "${name}" is derived from the pods service ${name} selects: mk8s keeps it, as Kubernetes' endpoints controller does, and it cannot be deleted`, `delete the service (mk8s delete service ${name}), or change its selector or the pods' labels`)
  }
  if (state.endpointSlices[objKey(namespace, name)]) return undefined
  const svc = Object.values(state.services).find((s) => s.namespace === namespace && hasSelector(s) && derivedName(s) === name)
  if (!svc) return undefined
  return new InputError(`endpointslice "${name}" is derived from the pods service ${svc.name} selects: mk8s keeps it, as Kubernetes' endpointslice controller does, and it cannot be deleted`, `delete the service (mk8s delete service ${svc.name}), or change its selector or the pods' labels`)
}

export async function deleteEndpoints(ctx: Ctx, namespace: string, name: string, o: BatchOptions = {}): Promise<string> {
  const state = ctx.store.read()
  const refusal = derivedDeleteRefusal(state, 'Endpoints', namespace, name)
  if (refusal) throw refusal
  const key = objKey(namespace, name)
  if (!state.endpoints[key]) throw notFound('endpoints', `${name}" in namespace "${namespace}`, 'mk8s get endpoints')
  await ctx.store.update((s) => {
    delete s.endpoints[key]
  })
  if (o.program !== false) await program(ctx)
  return `endpoints "${name}" deleted`
}

export async function deleteEndpointSlice(ctx: Ctx, namespace: string, name: string, o: BatchOptions = {}): Promise<string> {
  const state = ctx.store.read()
  const refusal = derivedDeleteRefusal(state, 'EndpointSlice', namespace, name)
  if (refusal) throw refusal
  const key = objKey(namespace, name)
  if (!state.endpointSlices[key]) throw notFound('endpointslice', `${name}" in namespace "${namespace}`, 'mk8s get endpointslices')
  await ctx.store.update((s) => {
    delete s.endpointSlices[key]
  })
  if (o.program !== false) await program(ctx)
  return `endpointslice.discovery.k8s.io "${name}" deleted`
}

export const endpointsKind: KindHandler = {
  apiVersions: ['v1'],
  stage: 'config',
  parse(doc, namespace, where) {
    const input = parseEndpoints(doc, metaOf(doc, namespace, where, 'endpoints'), where)
    return {kind: 'Endpoints', namespace, name: input.name, value: {input, where}}
  },
  async apply(ctx, p, o) {
    const {input, where} = p.value as {input: EndpointsInput; where: string}
    return applyEndpoints(ctx, input, where, o)
  },
  delete: (ctx, namespace, name, o) => deleteEndpoints(ctx, namespace, name, o),
}

export const endpointSliceKind: KindHandler = {
  apiVersions: ['discovery.k8s.io/v1'],
  stage: 'config',
  parse(doc, namespace, where) {
    const input = parseEndpointSlice(doc, metaOf(doc, namespace, where, 'endpointslice'), where)
    return {kind: 'EndpointSlice', namespace, name: input.name, value: {input, where}}
  },
  async apply(ctx, p, o) {
    const {input, where} = p.value as {input: EndpointSliceInput; where: string}
    return applyEndpointSlice(ctx, input, where, o)
  },
  delete: (ctx, namespace, name, o) => deleteEndpointSlice(ctx, namespace, name, o),
}
