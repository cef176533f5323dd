import {z} from 'zod'
import {InputError} from '../errors.js'
import type {ServicePort, ServiceRecord} from '../state/schema.js'
import {contains, isIPv4, parseCidr} from '../util/cidr.js'
import {validateName, validateSubdomain} from '../util/names.js'
import {validateLabels, zodMessage} from '../pod/spec.js'
import {AFFINITY_SECONDS} from './model.js'

const Labels = z.record(z.string(), z.string())

const V1ServicePort = z.object({
  name: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
  port: z.number().int().min(1).max(65535),
  targetPort: z.union([z.number().int().min(1).max(65535), z.string().min(1)]).optional(),
  nodePort: z.number().int().optional(),
})

/** The fields of a v1 Service that mk8s acts on (others are accepted and ignored). */
export const V1ServiceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: z.object({name: z.string(), namespace: z.string().optional(), labels: Labels.optional()}),
  spec: z.object({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).default('ClusterIP'),
    selector: Labels.optional(),
    ports: z.array(V1ServicePort).default([]),
    clusterIP: z.string().optional(),
    sessionAffinity: z.enum(['None', 'ClientIP']).default('None'),
    externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    loadBalancerIP: z.string().optional(),
    externalName: z.string().optional(),
    internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    sessionAffinityConfig: z.object({clientIP: z.object({timeoutSeconds: z.number().int().min(1).max(86400).optional()}).optional()}).optional(),
    externalIPs: z.array(z.string()).optional(),
    loadBalancerSourceRanges: z.array(z.string()).optional(),
    publishNotReadyAddresses: z.boolean().optional(),
  }),
})

/** Addresses that cannot be an external IP (as Kubernetes refuses them): unspecified, loopback, link-local, multicast. */
const BAD_EXTERNAL = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4']

/** spec.externalIPs: IPv4 addresses, each once, none loopback, link-local or multicast. */
export function validateExternalIPs(ips: readonly string[]): string[] {
  const seen = new Set<string>()
  ips.forEach((ip, i) => {
    const at = `spec.externalIPs[${i}]`
    if (!isIPv4(ip)) throw new InputError(`invalid ${at} ${JSON.stringify(ip)}: an IPv4 address`, 'mk8s services are IPv4; e.g. externalIPs: [192.168.56.200]')
    const bad = BAD_EXTERNAL.find((c) => contains(parseCidr(c), ip))
    if (bad) throw new InputError(`invalid ${at} ${ip}: inside ${bad}, which cannot be an external IP`, 'give an address that routes to a node')
    if (seen.has(ip)) throw new InputError(`${at} ${ip} is listed twice`)
    seen.add(ip)
  })
  return [...ips]
}

/** spec.loadBalancerSourceRanges: IPv4 networks (no host bits set), as kube-proxy filters on them. */
export function validateSourceRanges(ranges: readonly string[]): string[] {
  return ranges.map((r, i) => {
    try {
      return parseCidr(r.trim(), `spec.loadBalancerSourceRanges[${i}]`).text
    } catch (error) {
      if (error instanceof InputError) throw new InputError(error.message, error.hint ?? 'e.g. loadBalancerSourceRanges: [192.168.56.0/24]')
      throw error
    }
  })
}

export type V1Service = z.input<typeof V1ServiceSchema>

/** What a service is asked to be, before addresses and ports are allocated. */
export type ServiceInput = Omit<ServiceRecord, 'uid' | 'createdAt' | 'clusterIP' | 'announcedBy'> & {clusterIP?: string}

const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/

/** Check a service's ports: named when several, unique names and port/protocol pairs, valid target port names. */
export function validatePorts(ports: ServicePort[], type: ServiceRecord['type'], headless: boolean): void {
  if (ports.length === 0 && !headless) throw new InputError('a service needs at least one port', 'e.g. ports: [{port: 80, targetPort: 8080}]')
  if (ports.length > 1 && ports.some((p) => !p.name)) throw new InputError('every port of a service with several ports needs a name', 'e.g. name: http')
  const seen = new Set<string>()
  for (const p of ports) {
    if (p.name) validateName('port', p.name)
    if (p.name && seen.has(`name:${p.name}`)) throw new InputError(`port name "${p.name}" is used twice`)
    if (seen.has(`${p.port}/${p.protocol}`)) throw new InputError(`port ${p.port}/${p.protocol} is listed twice`)
    seen.add(`name:${p.name}`).add(`${p.port}/${p.protocol}`)
    if (typeof p.targetPort === 'string' && !IANA_SVC_NAME.test(p.targetPort)) {
      throw new InputError(`invalid targetPort ${JSON.stringify(p.targetPort)}: a container port name (at most 15 lower-case letters, digits and '-') or a number`)
    }
    if (p.nodePort !== undefined && (type === 'ClusterIP' || type === 'ExternalName')) throw new InputError(`port ${p.port} has a nodePort but the service is of type ${type}`, 'use type NodePort or LoadBalancer')
  }
}

/** A v1 Service object (from apply -f), validated, as mk8s's input. Exit 2 naming the field otherwise. */
export function parseV1Service(obj: unknown, defaultNamespace: string): ServiceInput {
  const r = V1ServiceSchema.safeParse(obj)
  if (!r.success) {
    throw new InputError(`invalid Service: ${zodMessage(r.error, '')}`)
  }
  const {metadata: m, spec} = r.data
  const namespace = m.namespace ?? defaultNamespace
  validateName('service', m.name)
  validateName('namespace', namespace)
  const headless = spec.clusterIP === 'None'
  const externalName = spec.type === 'ExternalName'
  if (externalName) {
    if (!spec.externalName) throw new InputError('spec.externalName is required with type ExternalName', 'e.g. externalName: db.example.com')
    // a trailing dot (an absolute name) is allowed, as Kubernetes allows it
    try {
      validateSubdomain('spec.externalName', spec.externalName.replace(/\.$/, ''))
    } catch {
      throw new InputError(`invalid spec.externalName ${JSON.stringify(spec.externalName)}: a DNS name of lower-case DNS-1123 labels joined by '.' (253 characters at most)`, 'e.g. externalName: db.example.com')
    }
    if (spec.clusterIP) throw new InputError(`a service of type ExternalName has no ClusterIP (spec.clusterIP ${JSON.stringify(spec.clusterIP)})`, 'remove spec.clusterIP')
    if (spec.externalTrafficPolicy) throw new InputError('spec.externalTrafficPolicy may not be set with type ExternalName', 'remove it')
    if (spec.internalTrafficPolicy) throw new InputError('spec.internalTrafficPolicy may not be set with type ExternalName', 'remove it')
  } else if (spec.externalName) {
    throw new InputError(`spec.externalName is only for type ExternalName, not ${spec.type}`, 'remove spec.externalName, or set type: ExternalName')
  }
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds
  if (spec.sessionAffinityConfig && spec.sessionAffinity !== 'ClientIP') throw new InputError('spec.sessionAffinityConfig must not be set when spec.sessionAffinity is None', 'set sessionAffinity: ClientIP, or remove sessionAffinityConfig')
  const externalIPs = validateExternalIPs(spec.externalIPs ?? [])
  if (externalIPs.length && (headless || externalName)) throw new InputError(`spec.externalIPs need a ClusterIP: not for a ${headless ? 'headless service' : 'service of type ExternalName'}`, 'remove spec.externalIPs')
  const sourceRanges = validateSourceRanges(spec.loadBalancerSourceRanges ?? [])
  if (sourceRanges.length && spec.type !== 'LoadBalancer') throw new InputError(`spec.loadBalancerSourceRanges is only for type LoadBalancer, not ${spec.type}`, 'remove it, or set type: LoadBalancer')
  if (spec.clusterIP && !headless && spec.clusterIP !== '' && !isIPv4(spec.clusterIP)) throw new InputError(`invalid spec.clusterIP ${JSON.stringify(spec.clusterIP)}: an IPv4 address or "None"`)
  if (headless && spec.type !== 'ClusterIP') throw new InputError(`a headless service (clusterIP: None) must be of type ClusterIP, not ${spec.type}`)
  if (spec.externalTrafficPolicy === 'Local' && spec.type === 'ClusterIP' && !externalIPs.length) throw new InputError('externalTrafficPolicy: Local needs type NodePort or LoadBalancer, or spec.externalIPs')
  if (spec.loadBalancerIP && (!isIPv4(spec.loadBalancerIP) || spec.type !== 'LoadBalancer')) throw new InputError(`spec.loadBalancerIP ${JSON.stringify(spec.loadBalancerIP)} needs an IPv4 address and type LoadBalancer`)
  const ports: ServicePort[] = spec.ports.map((p) => ({
    ...(p.name ? {name: p.name} : {}),
    protocol: p.protocol,
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    ...(p.nodePort !== undefined ? {nodePort: p.nodePort} : {}),
  }))
  validatePorts(ports, spec.type, headless || externalName)
  return {
    namespace,
    name: m.name,
    type: spec.type,
    clusterIP: spec.clusterIP || undefined,
    ports,
    selector: validateLabels(spec.selector ?? {}, `service ${namespace}/${m.name} spec.selector`),
    labels: validateLabels(m.labels ?? {}, `service ${namespace}/${m.name} metadata.labels`),
    sessionAffinity: spec.sessionAffinity,
    externalTrafficPolicy: spec.externalTrafficPolicy ?? 'Cluster',
    loadBalancerIP: spec.loadBalancerIP,
    ...(externalName ? {externalName: spec.externalName} : {}),
    ...(spec.internalTrafficPolicy === 'Local' ? {internalTrafficPolicy: 'Local' as const} : {}),
    ...(timeout !== undefined && timeout !== AFFINITY_SECONDS ? {sessionAffinityTimeout: timeout} : {}),
    ...(externalIPs.length ? {externalIPs} : {}),
    ...(sourceRanges.length ? {loadBalancerSourceRanges: sourceRanges} : {}),
    ...(spec.publishNotReadyAddresses ? {publishNotReadyAddresses: true} : {}),
  }
}
