import type {NodeRecord, PodRecord, ServiceRecord} from '../state/schema.js'

/** What trace starts from or goes to, resolved against the state. */
/** protocol: of a port written PORT/udp (or /tcp); a port alone is TCP, no port is ICMP. */
export type Endpoint =
  | {kind: 'pod'; text: string; pod: PodRecord; ip: string; port?: number; protocol?: 'tcp' | 'udp'}
  | {kind: 'node'; text: string; node: NodeRecord; ip: string; port?: number; protocol?: 'tcp' | 'udp'}
  | {kind: 'svc'; text: string; svc: ServiceRecord; ip: string; port: number; protocol: 'tcp' | 'udp'}
  | {kind: 'ip'; text: string; ip: string; port?: number; protocol?: 'tcp' | 'udp'}

/** What a packet to this endpoint is: ICMP without a port, else TCP unless UDP was asked (or the service port is UDP). */
export const protocolOf = (to: Endpoint): 'icmp' | 'tcp' | 'udp' => (to.kind === 'svc' ? to.protocol : to.port === undefined ? 'icmp' : to.protocol ?? 'tcp')

/** A kernel counter that should move when the packet passes a hop (compared by --probe). */
export type CounterRef =
  | {kind: 'link'; host: string; ifname: string; dir: 'rx' | 'tx'}
  | {kind: 'rule'; host: string; table: string; chain: string; num: number}
  | {kind: 'policy'; host: string; table: string; chain: string}

export interface Hop {
  host: string
  /** pod, veth, bridge, service, route, forward, vxlan-encap, vxlan-decap, deliver, ... */
  kind: string
  what: string
  detail: string
  ok: boolean
  cause?: string
  /** counters that prove this hop under --probe */
  counters?: CounterRef[]
  /** --probe: what the counters showed */
  probe?: {seen: boolean; evidence: string}
}

export interface Candidate {
  endpoint: string
  probability: number
  chain?: string
  node?: string
  masquerade: boolean
}

export interface TraceResult {
  from: string
  to: string
  protocol: string
  hops: Hop[]
  /** service DNAT: every endpoint the rules may pick, with its chance */
  candidates?: Candidate[]
  ok: boolean
  broken?: {host: string; hop: string; cause: string}
  probe?: {command: string; exitCode: number; output: string}
}


export const broken = (h: Omit<Hop, 'ok'>, cause: string): Hop => ({...h, ok: false, cause})
export const fine = (h: Omit<Hop, 'ok'>): Hop => ({...h, ok: true})
