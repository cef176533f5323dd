import {z} from 'zod'
import {InputError} from '../errors.js'
import {fieldPath} from '../manifest/fields.js'

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const dns1123sub = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const portName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** Docker's reference grammar: [domain[:port]/]path[:tag][@digest], path components lower-case. */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const DOMAIN = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?'
export const IMAGE_REF = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)

export const ContainerPortSchema = z.object({
  containerPort: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
  name: z.string().max(15).regex(portName, 'a port name is at most 15 lower-case letters, digits and -').optional(),
  hostPort: z.number().int().min(1).max(65535).optional(),
})

/** The pod fields an env var may take (valueFrom.fieldRef.fieldPath), as Kubernetes offers them. */
export const FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'status.podIP', 'status.hostIP'] as const
const KeyRef = z.object({name: z.string().regex(dns1123sub, 'must be a DNS-1123 subdomain'), key: z.string().regex(/^[-._a-zA-Z0-9]+$/, 'is not a key'), optional: z.boolean().optional()})
const SourceRef = z.object({name: z.string().regex(dns1123sub, 'must be a DNS-1123 subdomain'), optional: z.boolean().optional()})

const ProbePort = z.union([z.number().int().min(1).max(65535), z.string().max(15).regex(portName, 'must be a port number or the name of a container port')])
const seconds = (min: number, dflt: number) => z.number().int().min(min).default(dflt)

/** A v1 Probe as mk8s runs it (readinessProbe): one handler, Kubernetes's timing defaults. */
export const ProbeSchema = z
  .object({
    exec: z.object({command: z.array(z.string()).min(1, 'give the command to run')}).optional(),
    httpGet: z
      .object({
        path: z.string().regex(/^\/[\x21-\x7e]*$/, 'must begin with / and hold no spaces').default('/'),
        port: ProbePort,
        scheme: z.literal('HTTP', 'mk8s probes over plain HTTP only').default('HTTP'),
        httpHeaders: z.array(z.object({name: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not an HTTP header name'), value: z.string().regex(/^[^\r\n]*$/, 'must be one line')})).optional(),
      })
      .optional(),
    tcpSocket: z.object({port: ProbePort}).optional(),
    initialDelaySeconds: seconds(0, 0),
    periodSeconds: seconds(1, 10),
    timeoutSeconds: seconds(1, 1),
    successThreshold: seconds(1, 1),
    failureThreshold: seconds(1, 3),
  })
  .refine((p) => [p.exec, p.httpGet, p.tcpSocket].filter(Boolean).length === 1, 'give exactly one of exec, httpGet and tcpSocket')

export type Probe = z.infer<typeof ProbeSchema>

export const ContainerSchema = z.object({
  name: z.string().max(63).regex(dns1123, 'must be a DNS-1123 label'),
  image: z.string().min(1).max(255).regex(IMAGE_REF, 'is not an image reference (e.g. mk8s/busybox, registry:5000/team/app:1.2)'),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  ports: z.array(ContainerPortSchema).default([]),
  env: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'is not an environment variable name'),
        value: z.string().default(''),
        valueFrom: z
          .object({
            configMapKeyRef: KeyRef.optional(),
            secretKeyRef: KeyRef.optional(),
            fieldRef: z.object({fieldPath: z.enum(FIELD_PATHS, `must be one of ${FIELD_PATHS.join(', ')}`), apiVersion: z.literal('v1').optional()}).optional(),
          })
          .refine((v) => [v.configMapKeyRef, v.secretKeyRef, v.fieldRef].filter(Boolean).length === 1, 'give exactly one of configMapKeyRef, secretKeyRef and fieldRef')
          .optional(),
      }),
    )
    .default([]),
  envFrom: z
    .array(
      z
        .object({prefix: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'is not an environment variable prefix').optional(), configMapRef: SourceRef.optional(), secretRef: SourceRef.optional()})
        .refine((v) => Boolean(v.configMapRef) !== Boolean(v.secretRef), 'give exactly one of configMapRef and secretRef'),
    )
    .optional(),
  resources: z
    .object({
      limits: z.object({cpu: z.union([z.string(), z.number()]).optional(), memory: z.union([z.string(), z.number()]).optional()}).optional(),
      requests: z.object({cpu: z.union([z.string(), z.number()]).optional(), memory: z.union([z.string(), z.number()]).optional()}).optional(),
    })
    .optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  readinessProbe: ProbeSchema.optional(),
})

export const PodSpecSchema = z.object({
  containers: z.array(ContainerSchema).min(1, 'a pod needs at least one container'),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).default('Always'),
  nodeName: z.string().optional(),
  hostNetwork: z.boolean().default(false),
  terminationGracePeriodSeconds: z.number().int().min(0).optional(),
  hostname: z.string().max(63).regex(dns1123, 'must be a DNS-1123 label').optional(),
  subdomain: z.string().max(63).regex(dns1123, 'must be a DNS-1123 label').optional(),
  hostAliases: z.array(z.object({ip: z.string().regex(IPV4, 'must be an IPv4 address'), hostnames: z.array(z.string().max(253).regex(HOSTNAME, 'must be a DNS name')).min(1)})).optional(),
  dnsPolicy: z.enum(['ClusterFirst', 'Default', 'None'], 'must be ClusterFirst, Default or None (mk8s has no ClusterFirstWithHostNet)').optional(),
  dnsConfig: z
    .object({
      nameservers: z.array(z.string().regex(IPV4, 'must be an IPv4 address')).max(3, 'at most 3 nameservers').optional(),
      searches: z.array(z.string().max(253).regex(HOSTNAME, 'must be a DNS name')).max(32, 'at most 32 search domains').optional(),
      options: z.array(z.object({name: z.string().regex(/^[a-z0-9_-]+$/, 'is not a resolver option name'), value: z.string().regex(/^[A-Za-z0-9._-]*$/, 'is not a resolver option value').optional()})).optional(),
    })
    .optional(),
})

export type PodSpec = z.infer<typeof PodSpecSchema>
export type Container = z.infer<typeof ContainerSchema>

/** zod's first issue as "spec.containers[0].image: is not an image reference". */
export function zodMessage(error: z.ZodError, root: string): string {
  const i = error.issues[0]
  return `${fieldPath(i.path as Array<string | number>, root) || '(root)'}: ${i.message}`
}

/** Validate a v1 PodSpec: the schema, unique container names, and no port used twice in the pod. */
export function parsePodSpec(raw: unknown, where: string): PodSpec {
  const r = PodSpecSchema.safeParse(raw)
  if (!r.success) throw new InputError(`invalid pod spec in ${where}: ${zodMessage(r.error, 'spec')}`)
  const spec = r.data
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig?.nameservers?.length) throw new InputError(`${where}: dnsPolicy None needs spec.dnsConfig.nameservers`, 'give at least one nameserver, or use dnsPolicy ClusterFirst')
  if (spec.hostNetwork && (spec.hostname || spec.subdomain || spec.dnsConfig || (spec.dnsPolicy && spec.dnsPolicy !== 'ClusterFirst'))) {
    throw new InputError(`${where}: a hostNetwork pod has the node's hostname and resolv.conf`, 'remove hostname, subdomain, dnsPolicy and dnsConfig, or hostNetwork')
  }
  const names = new Set<string>()
  const ports = new Map<string, string>()
  for (const c of spec.containers) {
    if (names.has(c.name)) throw new InputError(`${where}: two containers are named "${c.name}"`, 'give each container its own name')
    names.add(c.name)
    for (const p of c.ports) {
      const key = `${p.containerPort}/${p.protocol}`
      const other = ports.get(key)
      if (other) {
        throw new InputError(
          `${where}: containers "${other}" and "${c.name}" both use port ${key}; containers of a pod share one network namespace, so a port can be bound once`,
          'give one of them another containerPort',
        )
      }
      ports.set(key, c.name)
    }
    const probe = c.readinessProbe
    const named = probe?.httpGet?.port ?? probe?.tcpSocket?.port
    if (typeof named === 'string' && !c.ports.some((p) => p.name === named)) {
      throw new InputError(`${where}: container "${c.name}" readinessProbe names port "${named}", which the container does not declare`, `name one of its ports (spec.containers[].ports[].name), or give the number`)
    }
    for (const q of [c.resources?.limits?.cpu, c.resources?.requests?.cpu]) if (q !== undefined) parseCpu(q, where)
    for (const q of [c.resources?.limits?.memory, c.resources?.requests?.memory]) if (q !== undefined) parseMemory(q, where)
  }
  return spec
}

/** Kubernetes CPU quantity ("500m", "1", 0.5) in nano-CPUs, as Docker takes it. */
export function parseCpu(q: string | number, where = 'resources'): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(q))
  if (!m) throw new InputError(`${where}: invalid cpu quantity ${JSON.stringify(q)}`, 'e.g. "500m" or "1"')
  return Math.round(Number(m[1]) * (m[2] ? 1e6 : 1e9))
}

const UNITS: Record<string, number> = {'': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4}

/** Kubernetes memory quantity ("64Mi", "1G", 1048576) in bytes. */
export function parseMemory(q: string | number, where = 'resources'): number {
  const m = /^(\d+(?:\.\d+)?)(k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q))
  if (!m) throw new InputError(`${where}: invalid memory quantity ${JSON.stringify(q)}`, 'e.g. "64Mi" or "1Gi"')
  return Math.round(Number(m[1]) * UNITS[m[2] ?? ''])
}

export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of pairs) {
    const m = /^([A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?)=([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.exec(p)
    if (!m || m[1].length > 253 || (m[3] ?? '').length > 63) throw new InputError(`invalid label ${JSON.stringify(p)}: expected key=value`, 'e.g. -l app=web')
    out[m[1]] = m[3] ?? ''
  }
  return out
}

export const validateLabels = (labels: Record<string, string>, where: string): Record<string, string> => {
  try {
    return parseLabels(Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`))
  } catch (error) {
    throw new InputError(`${where}: ${(error as Error).message}`)
  }
}

/** Does a label selector (equality-based, matchLabels) select these labels? An empty selector selects nothing. */
export const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v)

/** The host ports a pod publishes, as the CNI portmap plugin takes them. */
export const hostPortMappings = (p: {spec: PodSpec}) =>
  (p.spec.containers ?? []).flatMap((c) => (c.ports ?? []).filter((x) => x.hostPort).map((x) => ({hostPort: x.hostPort!, containerPort: x.containerPort, protocol: x.protocol.toLowerCase()})))
