import {z} from 'zod'
import {InputError} from '../errors.js'
import {zodMessage} from '../pod/spec.js'
import {validateName} from '../util/names.js'

/** A path as nginx can take it literally: no spaces, quotes, braces or semicolons. */
const PATH = /^\/[A-Za-z0-9._~!&()*+,=:@%/-]*$/
const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

export const BackendSchema = z.object({
  service: z.object({
    name: z.string(),
    port: z
      .object({number: z.number().int().min(1).max(65535).optional(), name: z.string().optional()})
      .refine((p) => (p.number === undefined) !== (p.name === undefined), 'give exactly one of number and name'),
  }),
})

const PathSchema = z.object({
  path: z.string().regex(PATH, 'must start with / and hold no spaces, quotes, braces or semicolons').default('/'),
  pathType: z.enum(['Prefix', 'Exact', 'ImplementationSpecific']),
  backend: BackendSchema,
})

const RuleSchema = z.object({
  host: z.string().max(253).regex(HOST, 'must be a lower-case DNS name, optionally starting with "*."').optional(),
  http: z.object({paths: z.array(PathSchema).min(1)}).optional(),
})

export const IngressSpecSchema = z.object({
  ingressClassName: z.string().optional(),
  defaultBackend: BackendSchema.optional(),
  tls: z.array(z.object({hosts: z.array(z.string().regex(HOST, 'must be a lower-case DNS name')).default([]), secretName: z.string().optional()})).default([]),
  rules: z.array(RuleSchema).default([]),
})

export type IngressSpec = z.infer<typeof IngressSpecSchema>
export type IngressBackend = z.infer<typeof BackendSchema>

/** Validate a networking.k8s.io/v1 IngressSpec: the schema, names of services and secrets, something to route. */
export function parseIngressSpec(raw: unknown, where: string): IngressSpec {
  const r = IngressSpecSchema.safeParse(raw ?? {})
  if (!r.success) throw new InputError(`invalid ingress in ${where}: ${zodMessage(r.error, 'spec')}`, 'see the networking.k8s.io/v1 Ingress reference: rules[].http.paths[] with path, pathType and backend.service {name, port: {number}}')
  const spec = r.data
  if (!spec.defaultBackend && !spec.rules.some((x) => x.http)) throw new InputError(`${where}: an ingress needs spec.defaultBackend or at least one rule with http paths`)
  const backends = [spec.defaultBackend, ...spec.rules.flatMap((x) => x.http?.paths.map((p) => p.backend) ?? [])]
  for (const b of backends) if (b) validateName('service', b.service.name)
  for (const t of spec.tls) if (t.secretName) validateName('secret', t.secretName, 253)
  return spec
}

/** The part of a backend nginx's upstream is named after: "80" or "http". */
export const backendPort = (b: IngressBackend): string => String(b.service.port.number ?? b.service.port.name)

export const describeBackend = (b: IngressBackend): string => `${b.service.name}:${backendPort(b)}`
