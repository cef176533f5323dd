import {z} from 'zod'
import {InputError} from '../errors.js'
import type {ServicePort, ServiceRecord} from '../state/schema.js'
import {isIPv4} from '../util/cidr.js'
import {validateName} from '../util/names.js'
import {validateLabels, zodMessage} from '../pod/spec.js'

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
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP'),
    selector: Labels.optional(),
    ports: z.array(V1ServicePort).default([]),
    clusterIP: z.string().optional(),
    sessionAffinity: z.enum(['None', 'ClientIP']).default('None'),
    externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    loadBalancerIP: z.string().optional(),
  }),
})

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
    if (p.nodePort !== undefined && type === 'ClusterIP') throw new InputError(`port ${p.port} has a nodePort but the service is of type ClusterIP`, 'use type NodePort or LoadBalancer')
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
  if (spec.clusterIP && !headless && spec.clusterIP !== '' && !isIPv4(spec.clusterIP)) throw new InputError(`invalid spec.clusterIP ${JSON.stringify(spec.clusterIP)}: an IPv4 address or "None"`)
  if (headless && spec.type !== 'ClusterIP') throw new InputError(`a headless service (clusterIP: None) must be of type ClusterIP, not ${spec.type}`)
  if (spec.externalTrafficPolicy === 'Local' && spec.type === 'ClusterIP') throw new InputError('externalTrafficPolicy: Local needs type NodePort or LoadBalancer')
  if (spec.loadBalancerIP && (!isIPv4(spec.loadBalancerIP) || spec.type !== 'LoadBalancer')) throw new InputError(`spec.loadBalancerIP ${JSON.stringify(spec.loadBalancerIP)} needs an IPv4 address and type LoadBalancer`)
  const ports: ServicePort[] = spec.ports.map((p) => ({
    ...(p.name ? {name: p.name} : {}),
    protocol: p.protocol,
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    ...(p.nodePort !== undefined ? {nodePort: p.nodePort} : {}),
  }))
  validatePorts(ports, spec.type, headless)
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
  }
}
