/**
 * What trace and doctor know about a host: its addresses, links (with counters), routes, the
 * VTEP's ARP and FDB entries, bridge ports, a few sysctls, its iptables rules (with counters) and
 * the pods' own network namespaces. All read in ONE round trip per host (a list of capture steps),
 * then parsed by pure functions, so that every check and hop is testable on recorded text.
 */
import {DEFAULTS} from '../cluster/defaults.js'
import {step, type Captured, type Plan} from '../host/plan.js'
import {LABEL_CONTAINER, LABEL_POD, LABEL_UID} from '../pod/plan.js'
import {parseIptablesSave, type Ruleset} from './iptables.js'

export const VTEP = 'flannel.1'

export interface Addr {
  ifname: string
  ip: string
  prefix: number
}

export interface Link {
  ifindex: number
  ifname: string
  mtu: number
  up: boolean
  master?: string
  kind?: string
  mac?: string
  /** ifindex of a veth's peer (in another namespace) */
  peerIndex?: number
  vxlan?: {id: number; local?: string; port: number; dev?: string}
  rx?: {packets: number; bytes: number}
  tx?: {packets: number; bytes: number}
}

export interface Route {
  /** "default" or a CIDR ("10.244.1.0/24", "192.168.56.12" for a /32) */
  dst: string
  gateway?: string
  dev?: string
  onlink: boolean
  type?: string
}

export interface BridgePort {
  ifname: string
  master?: string
  hairpin: boolean
  state?: string
}

/** A pod's own namespace, seen through its pause container. */
export interface PodNet {
  key: string
  uid: string
  pid: number
  addrs: Addr[]
  links: Link[]
  routes: Route[]
}

export interface HostFacts {
  node: string
  addrs: Addr[]
  links: Link[]
  routes: Route[]
  neigh: Array<{ip: string; mac?: string; state: string[]}>
  fdb: Array<{mac: string; dst?: string; state?: string}>
  bridgePorts: BridgePort[]
  sysctl: Record<string, string>
  iptables?: Ruleset
  /** `nft list table ip mk8s` (services in nftables mode) */
  nft?: string
  pods: PodNet[]
  /** reads that failed: name -> output */
  failed: Record<string, string>
}

export const SYSCTLS = ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables'] as const

const SYSCTL_SCRIPT = 'for k in "$@"; do f=/proc/sys/$(echo "$k" | tr . /); [ -r "$f" ] && printf "%s=%s\\n" "$k" "$(cat "$f")"; done; true'

const PODS_SCRIPT = `ids=$(docker ps -q --filter "label=$1=POD"); [ -n "$ids" ] || exit 0
docker inspect -f "{{.State.Pid}} {{index .Config.Labels \\"$2\\"}} {{index .Config.Labels \\"$3\\"}}" $ids | while read -r pid key uid; do
  [ "$pid" -gt 0 ] 2>/dev/null || continue
  echo "@@pod $pid $key $uid"
  echo @@links; nsenter -t "$pid" -n ip -s -d -j link show </dev/null
  echo @@addrs; nsenter -t "$pid" -n ip -j addr show </dev/null
  echo @@routes; nsenter -t "$pid" -n ip -j route show </dev/null
done; true`

/** Named reads: what every trace and doctor run asks a host for. */
export function factReads(opts: {nft?: boolean} = {}): Array<[string, readonly string[]]> {
  return [
    ['addr', ['ip', '-j', 'addr', 'show']],
    ['link', ['ip', '-s', '-d', '-j', 'link', 'show']],
    ['route', ['ip', '-j', 'route', 'show', 'table', 'main']],
    ['neigh', ['ip', '-j', 'neigh', 'show', 'dev', VTEP]],
    ['fdb', ['bridge', '-j', 'fdb', 'show', 'dev', VTEP]],
    ['bridge', ['bridge', '-d', '-j', 'link', 'show']],
    ['sysctl', ['sh', '-c', SYSCTL_SCRIPT, 'sh', ...SYSCTLS]],
    // stderr apart: iptables-nft-save warns there when legacy tables exist too, and a capture would mix the warning into a chain's line
    ['iptables', ['sh', '-c', 'iptables-save -c 2>/dev/null']],
    ['pods', ['sh', '-c', PODS_SCRIPT, 'sh', LABEL_CONTAINER, LABEL_POD, LABEL_UID]],
    ...(opts.nft ? [['nft', ['nft', 'list', 'table', 'ip', 'mk8s']] as [string, string[]]] : []),
  ]
}

/** Capture steps for named reads; `byName` maps the captured outputs back to the names (one name, one read). */
export function readPlan(reads: ReadonlyArray<readonly [string, readonly string[]]>): Plan {
  const names = reads.map(([name]) => name)
  const twice = names.find((n, i) => names.indexOf(n) !== i)
  // a second read of one name would hide the first one's output from whoever asks for it
  if (twice) throw new Error(`two reads are named "${twice}"`)
  return reads.map(([, argv]) => step(argv, {capture: true}))
}

export function byName(reads: ReadonlyArray<readonly [string, readonly string[]]>, captured: Map<number, Captured>): Map<string, Captured> {
  return new Map(reads.map(([name], i) => [name, captured.get(i) ?? {output: '', code: -1}]))
}

function json<T>(text: string | undefined, fallback: T): T {
  if (!text?.trim()) return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

type IpJson = Record<string, any>

export const parseAddrs = (text: string): Addr[] =>
  json<IpJson[]>(text, []).flatMap((l) => (l.addr_info ?? []).filter((a: IpJson) => a.family === 'inet').map((a: IpJson) => ({ifname: l.ifname, ip: a.local, prefix: a.prefixlen})))

export function parseLinks(text: string): Link[] {
  return json<IpJson[]>(text, []).map((l) => {
    const info = l.linkinfo?.info_data
    const kind = l.linkinfo?.info_kind as string | undefined
    return {
      ifindex: l.ifindex,
      ifname: l.ifname,
      mtu: l.mtu,
      up: (l.flags ?? []).includes('UP'),
      ...(l.master ? {master: l.master} : {}),
      ...(kind ? {kind} : {}),
      ...(l.address ? {mac: l.address} : {}),
      ...(l.link_index !== undefined ? {peerIndex: l.link_index} : {}),
      ...(kind === 'vxlan' && info ? {vxlan: {id: info.id, local: info.local, port: info.port, dev: info.link}} : {}),
      ...(l.stats64 ? {rx: {packets: l.stats64.rx.packets, bytes: l.stats64.rx.bytes}, tx: {packets: l.stats64.tx.packets, bytes: l.stats64.tx.bytes}} : {}),
    }
  })
}

export const parseRoutes = (text: string): Route[] =>
  json<IpJson[]>(text, []).map((r) => ({
    dst: r.dst,
    ...(r.gateway ? {gateway: r.gateway} : {}),
    ...(r.dev ? {dev: r.dev} : {}),
    onlink: (r.flags ?? []).includes('onlink'),
    ...(r.type ? {type: r.type} : {}),
  }))

export function parseSysctl(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const i = line.indexOf('=')
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim()
  }
  return out
}

export function parsePodNets(text: string): PodNet[] {
  const out: PodNet[] = []
  for (const chunk of text.split(/^@@pod /m).slice(1)) {
    const [head, ...rest] = chunk.split(/^@@(links|addrs|routes)$/m)
    const part: Record<string, string> = {}
    for (let i = 0; i + 1 < rest.length; i += 2) part[rest[i]] = rest[i + 1].trim()
    const [pid, key, uid] = head.trim().split(/\s+/)
    out.push({key, uid, pid: Number(pid), links: parseLinks(part.links), addrs: parseAddrs(part.addrs), routes: parseRoutes(part.routes)})
  }
  return out
}

/** Everything read from one host, parsed. A read that failed leaves its part empty and is named. */
export function parseFacts(node: string, r: Map<string, Captured>): HostFacts {
  const ok = (name: string) => (r.get(name)?.code === 0 ? r.get(name)!.output : '')
  const failed: Record<string, string> = {}
  for (const [name, c] of r) if (c.code !== 0 && !['neigh', 'fdb', 'nft'].includes(name)) failed[name] = c.output.trim().split('\n').slice(-2).join(' ')
  return {
    node,
    addrs: parseAddrs(ok('addr')),
    links: parseLinks(ok('link')),
    routes: parseRoutes(ok('route')),
    neigh: json<IpJson[]>(ok('neigh'), []).map((n) => ({ip: n.dst, ...(n.lladdr ? {mac: n.lladdr} : {}), state: n.state ?? []})),
    fdb: json<IpJson[]>(ok('fdb'), []).map((f) => ({mac: f.mac, ...(f.dst ? {dst: f.dst} : {}), ...(f.state ? {state: f.state} : {})})),
    bridgePorts: json<IpJson[]>(ok('bridge'), []).map((b) => ({ifname: b.ifname, ...(b.master ? {master: b.master} : {}), hairpin: Boolean(b.hairpin), ...(b.state ? {state: b.state} : {})})),
    sysctl: parseSysctl(ok('sysctl')),
    ...(r.get('iptables')?.code === 0 ? {iptables: parseIptablesSave(ok('iptables'))} : {}),
    ...(r.get('nft')?.code === 0 ? {nft: ok('nft')} : {}),
    pods: parsePodNets(ok('pods')),
    failed,
  }
}

export const link = (f: HostFacts, name: string): Link | undefined => f.links.find((l) => l.ifname === name)
export const localAddrs = (f: HostFacts): string[] => f.addrs.map((a) => a.ip)
export const bridgeName = DEFAULTS.bridge

/** The host end of a pod's veth: the link whose ifindex is the peer of the pod's eth0 (any driver). */
export function podHostVeth(f: HostFacts, podKey: string, fallback?: string): Link | undefined {
  const net = f.pods.find((p) => p.key === podKey)
  const eth0 = net?.links.find((l) => l.ifname === 'eth0')
  if (eth0?.peerIndex !== undefined) {
    const l = f.links.find((x) => x.ifindex === eth0.peerIndex)
    if (l) return l
  }
  return fallback ? link(f, fallback) : undefined
}
