/**
 * The manifests of v1 Endpoints and discovery.k8s.io/v1 EndpointSlice, validated as Kubernetes
 * validates them and as far as mk8s can act on them: IPv4 addresses a node can reach (not
 * loopback, link-local, multicast or unspecified), ports with a number, TCP or UDP. Each error
 * names the field's path and the fix (exit 2, before any host is touched).
 */
import {z} from 'zod'
import {InputError} from '../errors.js'
import {fieldPath, type Segment} from '../manifest/fields.js'
import {zodMessage} from '../pod/spec.js'
import type {EndpointPort, EndpointSliceRecord, EndpointsRecord} from '../state/schema.js'
import {isIPv4} from '../util/cidr.js'

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const IANA_PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

const TargetRef = z.object({
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  apiVersion: z.string().optional(),
  resourceVersion: z.string().optional(),
  fieldPath: z.string().optional(),
})

const Address = z.object({ip: z.string(), hostname: z.string().optional(), nodeName: z.string().optional(), targetRef: TargetRef.optional()})
const Port = z.object({name: z.string().optional(), port: z.number().int().min(1).max(65535), protocol: z.enum(['TCP', 'UDP']).default('TCP')})

/** The fields of a v1 Endpoints that mk8s reads (the field tree in manifest/supported.ts refuses the rest). */
export const V1EndpointsSchema = z.object({
  subsets: z.array(z.object({addresses: z.array(Address).default([]), notReadyAddresses: z.array(Address).default([]), ports: z.array(Port).default([])})).default([]),
})

/** The fields of a discovery.k8s.io/v1 EndpointSlice that mk8s reads. */
export const V1EndpointSliceSchema = z.object({
  addressType: z.string(),
  endpoints: z.array(z.object({
    addresses: z.array(z.string()).min(1).max(100),
    conditions: z.object({ready: z.boolean().optional(), serving: z.boolean().optional(), terminating: z.boolean().optional()}).optional(),
    hostname: z.string().optional(),
    nodeName: z.string().optional(),
    zone: z.string().optional(),
    targetRef: TargetRef.optional(),
  })).nullish(),
  ports: z.array(Port).nullish(),
})

/** Why mk8s cannot send traffic to an address, or undefined when it can. */
export function addressProblem(ip: string): string | undefined {
  if (!isIPv4(ip)) return `${JSON.stringify(ip)} is not an IPv4 address (mk8s services are IPv4)`
  const [a, b] = ip.split('.').map(Number)
  if (a === 0) return `${ip} is an unspecified address`
  if (a === 127) return `${ip} is a loopback address: it would be the node's own loopback on every node`
  if (a === 169 && b === 254) return `${ip} is a link-local address`
  if (a >= 224) return `${ip} is a multicast or reserved address`
  return undefined
}

const fail = (where: string, path: Segment[], why: string, fix: string): never => {
  throw new InputError(`${where}: ${fieldPath(path)}: ${why}`, `${fix}; nothing was applied`)
}

function checkAddress(where: string, path: Segment[], ip: string): void {
  const p = addressProblem(ip)
  if (p) fail(where, path, p, 'list an IPv4 address a node can reach: a pod, a node, or a machine on their network')
}

function checkPorts(where: string, base: Segment[], ports: EndpointPort[], namesNeeded: boolean): void {
  const seen = new Set<string>()
  ports.forEach((p, i) => {
    if (p.name !== undefined && p.name !== '' && (p.name.length > 15 || !IANA_PORT_NAME.test(p.name))) fail(where, [...base, i, 'name'], `${JSON.stringify(p.name)} is not a valid port name`, 'use at most 15 lower-case letters, digits and \'-\': the name of the Service port it serves')
    if (namesNeeded && ports.length > 1 && !p.name) fail(where, [...base, i, 'name'], 'every port needs a name when there are several', 'name it like the Service port it serves')
    const key = `${p.name ?? ''}/${p.protocol}`
    if (seen.has(key)) fail(where, [...base, i], `port name ${JSON.stringify(p.name ?? '')} (${p.protocol}) is listed twice`, 'give each port its own name')
    seen.add(key)
  })
}

const cleanPorts = (ports: Array<z.infer<typeof Port>>): EndpointPort[] => ports.map((p) => ({...(p.name ? {name: p.name} : {}), port: p.port, protocol: p.protocol}))

const checkHost = (where: string, path: Segment[], v: string | undefined, what: string) => {
  if (v !== undefined && (v.length > 63 || !LABEL.test(v))) fail(where, path, `${JSON.stringify(v)} is not a valid ${what} (a DNS-1123 label)`, 'use lower-case letters, digits and \'-\'')
}
const checkNode = (where: string, path: Segment[], v: string | undefined) => {
  if (v !== undefined && (v.length > 253 || !v.split('.').every((l) => LABEL.test(l)))) fail(where, path, `${JSON.stringify(v)} is not a valid node name`, 'give the name of a node (mk8s node list), or leave nodeName out')
}

export type EndpointsInput = Omit<EndpointsRecord, 'uid' | 'createdAt'>
export type EndpointSliceInput = Omit<EndpointSliceRecord, 'uid' | 'createdAt'>

/** A v1 Endpoints document (its fields checked against the tree already) as mk8s keeps it. */
export function parseEndpoints(doc: Record<string, unknown>, meta: {namespace: string; name: string; labels: Record<string, string>; annotations?: Record<string, string>}, where: string): EndpointsInput {
  const r = V1EndpointsSchema.safeParse(doc)
  if (!r.success) throw new InputError(`${where}: invalid Endpoints: ${zodMessage(r.error, '')}`, 'fix the field; nothing was applied')
  const subsets = r.data.subsets.map((s, i) => {
    for (const [key, list] of [['addresses', s.addresses], ['notReadyAddresses', s.notReadyAddresses]] as const) {
      list.forEach((a, j) => {
        checkAddress(where, ['subsets', i, key, j, 'ip'], a.ip)
        checkHost(where, ['subsets', i, key, j, 'hostname'], a.hostname, 'hostname')
        checkNode(where, ['subsets', i, key, j, 'nodeName'], a.nodeName)
      })
    }
    checkPorts(where, ['subsets', i, 'ports'], s.ports, true)
    const addr = (a: z.infer<typeof Address>) => ({ip: a.ip, ...(a.hostname ? {hostname: a.hostname} : {}), ...(a.nodeName ? {nodeName: a.nodeName} : {}), ...(a.targetRef ? {targetRef: a.targetRef} : {})})
    return {addresses: s.addresses.map(addr), notReadyAddresses: s.notReadyAddresses.map(addr), ports: cleanPorts(s.ports)}
  })
  return {...meta, subsets}
}

/** A discovery.k8s.io/v1 EndpointSlice document as mk8s keeps it. */
export function parseEndpointSlice(doc: Record<string, unknown>, meta: {namespace: string; name: string; labels: Record<string, string>; annotations?: Record<string, string>}, where: string): EndpointSliceInput {
  const r = V1EndpointSliceSchema.safeParse(doc)
  if (!r.success) throw new InputError(`${where}: invalid EndpointSlice: ${zodMessage(r.error, '')}`, 'fix the field; nothing was applied')
  const d = r.data
  // the field tree's rule refuses IPv6 and FQDN first; this is what is left
  if (d.addressType !== 'IPv4') fail(where, ['addressType'], `${JSON.stringify(d.addressType)} is not an address type mk8s serves`, 'use addressType: IPv4')
  const endpoints = (d.endpoints ?? []).map((e, i) => {
    e.addresses.forEach((ip, j) => checkAddress(where, ['endpoints', i, 'addresses', j], ip))
    checkHost(where, ['endpoints', i, 'hostname'], e.hostname, 'hostname')
    checkNode(where, ['endpoints', i, 'nodeName'], e.nodeName)
    return {
      addresses: e.addresses,
      ...(e.conditions ? {conditions: e.conditions} : {}),
      ...(e.hostname ? {hostname: e.hostname} : {}),
      ...(e.nodeName ? {nodeName: e.nodeName} : {}),
      ...(e.zone ? {zone: e.zone} : {}),
      ...(e.targetRef ? {targetRef: e.targetRef} : {}),
    }
  })
  const ports = d.ports ?? []
  checkPorts(where, ['ports'], ports, false)
  return {...meta, addressType: 'IPv4', endpoints, ports: cleanPorts(ports)}
}
