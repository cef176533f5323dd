import {z} from 'zod'
import {InputError} from '../errors.js'
import {overlaps, parseCidr} from '../util/cidr.js'

/**
 * networking.k8s.io/v1 NetworkPolicy, parsed strictly: every object refuses fields it does not
 * know (as `kubectl apply --validate=strict`), naming the path of the first one.
 */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

export const SelectorSchema = z.strictObject({
  matchLabels: z.record(z.string(), z.string().max(63).regex(LABEL_VALUE, 'is not a label value')).optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
})

const IPBlockSchema = z.strictObject({cidr: z.string(), except: z.array(z.string()).optional()})

const PeerSchema = z.strictObject({
  podSelector: SelectorSchema.optional(),
  namespaceSelector: SelectorSchema.optional(),
  ipBlock: IPBlockSchema.optional(),
})

const PortSchema = z.strictObject({
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  port: z.union([z.number().int().min(1).max(65535), z.string().min(1).max(15)]).optional(),
  endPort: z.number().int().min(1).max(65535).optional(),
})

const IngressRuleSchema = z.strictObject({from: z.array(PeerSchema).optional(), ports: z.array(PortSchema).optional()})
const EgressRuleSchema = z.strictObject({to: z.array(PeerSchema).optional(), ports: z.array(PortSchema).optional()})

export const NetpolSpecSchema = z.strictObject({
  podSelector: SelectorSchema,
  policyTypes: z.array(z.enum(['Ingress', 'Egress'])).optional(),
  ingress: z.array(IngressRuleSchema).optional(),
  egress: z.array(EgressRuleSchema).optional(),
})

export type Selector = z.infer<typeof SelectorSchema>
export type NetpolSpec = z.infer<typeof NetpolSpecSchema>

/** A peer after parsing: pods (by pod and namespace selectors) or an address block. */
export type Peer =
  | {kind: 'pods'; podSelector?: Selector; namespaceSelector?: Selector}
  | {kind: 'ipBlock'; cidr: string; except: string[]}

export interface PolicyPort {
  protocol: 'TCP' | 'UDP' | 'SCTP'
  /** a number, a named container port, or any port when absent */
  port?: number | string
  endPort?: number
}

export interface Rule {
  /** undefined: every peer (from/to omitted or empty) */
  peers?: Peer[]
  /** undefined: every port */
  ports?: PolicyPort[]
}

/** The spec as mk8s acts on it: policyTypes defaulted, peers and ports normalised. */
export interface Policy {
  namespace: string
  name: string
  podSelector: Selector
  types: Array<'Ingress' | 'Egress'>
  ingress: Rule[]
  egress: Rule[]
}

const pathOf = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('')

function zodError(error: z.ZodError, where: string, root: string): InputError {
  const issue = error.issues[0]
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]
    return new InputError(`${where}: unknown field "${pathOf([root, ...issue.path, key])}"`, 'remove it or fix its spelling (see kubectl explain networkpolicy.spec); nothing was applied')
  }
  return new InputError(`${where}: ${pathOf([root, ...issue.path])}: ${issue.message}`, 'see kubectl explain networkpolicy.spec; nothing was applied')
}

function checkSelector(s: Selector | undefined, path: string, where: string): void {
  for (const [i, e] of (s?.matchExpressions ?? []).entries()) {
    const p = `${path}.matchExpressions[${i}]`
    const n = e.values?.length ?? 0
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) throw new InputError(`${where}: ${p}.values must not be empty for operator ${e.operator}`)
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) throw new InputError(`${where}: ${p}.values must be empty for operator ${e.operator}`)
  }
}

function checkPeer(peer: z.infer<typeof PeerSchema>, path: string, where: string): Peer {
  if (peer.ipBlock) {
    if (peer.podSelector || peer.namespaceSelector) throw new InputError(`${where}: ${path}: ipBlock cannot be combined with podSelector or namespaceSelector`, 'write them as two peers')
    const cidr = parseCidrAt(peer.ipBlock.cidr, `${path}.ipBlock.cidr`, where)
    const except = (peer.ipBlock.except ?? []).map((e, i) => {
      const c = parseCidrAt(e, `${path}.ipBlock.except[${i}]`, where)
      if (!overlaps(cidr, c) || c.bits <= cidr.bits) throw new InputError(`${where}: ${path}.ipBlock.except[${i}] ${e} must be a strict subset of ${peer.ipBlock!.cidr}`)
      return c.text
    })
    return {kind: 'ipBlock', cidr: cidr.text, except}
  }
  if (!peer.podSelector && !peer.namespaceSelector) throw new InputError(`${where}: ${path} must have podSelector, namespaceSelector or ipBlock`)
  checkSelector(peer.podSelector, `${path}.podSelector`, where)
  checkSelector(peer.namespaceSelector, `${path}.namespaceSelector`, where)
  return {kind: 'pods', ...(peer.podSelector ? {podSelector: peer.podSelector} : {}), ...(peer.namespaceSelector ? {namespaceSelector: peer.namespaceSelector} : {})}
}

function parseCidrAt(text: string, path: string, where: string) {
  try {
    return parseCidr(text)
  } catch (error) {
    throw new InputError(`${where}: ${path}: ${(error as Error).message}`, (error as InputError).hint)
  }
}

function checkPort(p: z.infer<typeof PortSchema>, path: string, where: string): PolicyPort {
  const protocol = p.protocol ?? 'TCP'
  if (typeof p.port === 'string' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.port)) throw new InputError(`${where}: ${path}.port ${JSON.stringify(p.port)} is neither a number nor a port name`)
  if (p.endPort !== undefined) {
    if (typeof p.port !== 'number') throw new InputError(`${where}: ${path}.endPort needs a numeric port`, 'a range cannot start at a named port')
    if (p.endPort < p.port) throw new InputError(`${where}: ${path}.endPort ${p.endPort} is below port ${p.port}`)
  }
  return {protocol, ...(p.port !== undefined ? {port: p.port} : {}), ...(p.endPort !== undefined ? {endPort: p.endPort} : {})}
}

/** Validate a NetworkPolicy's spec (throws InputError, exit 2) and return it as given. */
export function parseNetpolSpec(spec: unknown, where: string): NetpolSpec {
  if (spec === undefined || spec === null) throw new InputError(`${where}: spec is required`, 'spec.podSelector: {} selects every pod of the namespace')
  const r = NetpolSpecSchema.safeParse(spec)
  if (!r.success) throw zodError(r.error, where, 'spec')
  toPolicy('', '', r.data, where)
  return r.data
}

/** The spec as mk8s acts on it (the spec was validated by parseNetpolSpec). */
export function toPolicy(namespace: string, name: string, spec: NetpolSpec, where = `networkpolicy ${namespace}/${name}`): Policy {
  checkSelector(spec.podSelector, 'spec.podSelector', where)
  const types = spec.policyTypes?.length ? [...new Set(spec.policyTypes)] : (['Ingress', ...(spec.egress?.length ? ['Egress'] : [])] as Policy['types'])
  const rules = (list: Array<{from?: unknown; to?: unknown; ports?: Array<z.infer<typeof PortSchema>>}> | undefined, field: 'from' | 'to', dir: string): Rule[] =>
    (list ?? []).map((r, i) => {
      const peers = r[field] as Array<z.infer<typeof PeerSchema>> | undefined
      const path = `spec.${dir}[${i}]`
      return {
        ...(peers?.length ? {peers: peers.map((p, j) => checkPeer(p, `${path}.${field}[${j}]`, where))} : {}),
        ...(r.ports?.length ? {ports: r.ports.map((p, j) => checkPort(p, `${path}.ports[${j}]`, where))} : {}),
      }
    })
  return {
    namespace,
    name,
    podSelector: spec.podSelector,
    types: (['Ingress', 'Egress'] as const).filter((t) => types.includes(t)),
    ingress: rules(spec.ingress, 'from', 'ingress'),
    egress: rules(spec.egress, 'to', 'egress'),
  }
}

const TOP = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status'])
const META = new Set(['name', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields'])

/** Unknown top-level or metadata fields are refused too. */
export function checkDocument(doc: Record<string, unknown>, where: string): void {
  for (const k of Object.keys(doc)) if (!TOP.has(k)) throw new InputError(`${where}: unknown field "${k}"`, 'remove it or fix its spelling; nothing was applied')
  const meta = (doc.metadata ?? {}) as Record<string, unknown>
  for (const k of Object.keys(meta)) if (!META.has(k)) throw new InputError(`${where}: unknown field "metadata.${k}"`, 'remove it or fix its spelling; nothing was applied')
}
