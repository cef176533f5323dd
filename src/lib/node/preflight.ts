import {InputError, Mk8sError} from '../errors.js'
import {step, type Captured, type Plan} from '../host/plan.js'
import {isIPv4, overlaps, type Cidr} from '../util/cidr.js'

const TOOLS = ['ip', 'bridge', 'iptables', 'iptables-save', 'iptables-restore', 'nsenter', 'sysctl', 'docker']

/** Kernel features, probed by making and removing a device of each kind. */
const KERNEL_PROBE = `for k in bridge veth vxlan; do
  case $k in
    bridge) ip link add mk8s-probe0 type bridge ;;
    veth) ip link add mk8s-probe0 type veth peer name mk8s-probe1 ;;
    vxlan) ip link add mk8s-probe0 type vxlan id 4242 dstport 0 nolearning ;;
  esac >/dev/null 2>&1 && ip link del mk8s-probe0 >/dev/null 2>&1 || echo "$k"
done
modprobe -q br_netfilter 2>/dev/null; [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || echo br_netfilter
true`

/** One round trip that tells what a host has, before anything on it is changed. */
export const preflightPlan = (): Plan => [
  step(['hostname'], {capture: true}),
  step(['ip', '-j', 'addr', 'show'], {capture: true}),
  step(['ip', '-j', 'route', 'show'], {capture: true}),
  step(['sh', '-c', 'for t in "$@"; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done', 'sh', ...TOOLS], {capture: true}),
  step(['docker', 'info', '--format', '{{.ServerVersion}}'], {capture: true}),
  step(['sh', '-c', KERNEL_PROBE], {capture: true}),
  step(['iptables', '-V'], {capture: true}),
]

interface IpAddr {
  ifname: string
  mtu: number
  addr_info?: Array<{family: string; local: string; prefixlen: number}>
}
interface IpRoute {
  dst: string
  dev?: string
  gateway?: string
}

export interface HostFacts {
  hostname: string
  addrs: IpAddr[]
  routes: IpRoute[]
  missingTools: string[]
  docker: {ok: boolean; version?: string; error?: string}
  missingKernel: string[]
  iptablesBackend: string
}

const lines = (s = '') => s.split('\n').map((l) => l.trim()).filter(Boolean)

export function parsePreflight(c: Map<number, Captured>): HostFacts {
  const json = <T>(i: number): T[] => {
    try {
      return JSON.parse(c.get(i)?.output || '[]') as T[]
    } catch {
      return []
    }
  }
  const docker = c.get(4)
  const ipt = c.get(6)?.output ?? ''
  return {
    hostname: (c.get(0)?.output ?? '').trim(),
    addrs: json<IpAddr>(1),
    routes: json<IpRoute>(2),
    missingTools: lines(c.get(3)?.output),
    docker: docker?.code === 0 ? {ok: true, version: docker.output.trim()} : {ok: false, error: lines(docker?.output).pop()},
    missingKernel: lines(c.get(5)?.output),
    iptablesBackend: /\((\w+)\)/.exec(ipt)?.[1] ?? (ipt ? 'legacy' : 'none'),
  }
}

/** What is missing on a host, as a report that says what to install. Throws when anything is. */
export function checkPreflight(node: string, f: HostFacts, backend: string): void {
  const problems: string[] = []
  if (f.missingTools.length) problems.push(`missing tools: ${f.missingTools.join(', ')} (apt-get install iproute2 iptables util-linux procps docker.io)`)
  const kernel = f.missingKernel.filter((k) => k !== 'vxlan' || backend === 'vxlan')
  if (kernel.length) problems.push(`kernel lacks: ${kernel.join(', ')} (load the modules, e.g. modprobe ${kernel.join(' ')})`)
  if (!f.docker.ok) problems.push(`docker is not reachable: ${f.docker.error ?? 'no answer'} (start dockerd; the SSH user must be root or in the docker group)`)
  if (problems.length) {
    throw new Mk8sError(`node ${node} is not ready to join:\n  - ${problems.join('\n  - ')}`, {exitCode: 1, hint: 'fix the host, then run the same node join again'})
  }
}

/** mk8s's own devices, whose addresses and routes are not the host's own networks. */
const OWN_DEVICES = /^(cni0|flannel\.1|mk8s-|veth)/

export interface Underlay {
  iface: string
  address: string
  prefix: number
  mtu: number
}

/**
 * The underlay: the interface that holds the address mk8s reaches the host by, else the one of the
 * default route (the documented Vagrant pitfall is the wrong one: --iface/--address override).
 */
export function detectUnderlay(node: string, f: HostFacts, reachedAt: string | undefined, opts: {iface?: string; address?: string}): Underlay {
  const v4 = f.addrs.flatMap((a) => (a.addr_info ?? []).filter((i) => i.family === 'inet').map((i) => ({iface: a.ifname, mtu: a.mtu, address: i.local, prefix: i.prefixlen})))
  let pick = opts.address ? v4.find((a) => a.address === opts.address) : undefined
  if (opts.address && !pick) throw new InputError(`node ${node} has no address ${opts.address}`, `its addresses: ${v4.map((a) => `${a.address} (${a.iface})`).join(', ')}`)
  if (!pick && opts.iface) {
    pick = v4.find((a) => a.iface === opts.iface)
    if (!pick) throw new InputError(`node ${node} has no IPv4 interface ${opts.iface}`, `its interfaces: ${[...new Set(v4.map((a) => a.iface))].join(', ')}`)
  }
  if (!pick && reachedAt && isIPv4(reachedAt)) pick = v4.find((a) => a.address === reachedAt)
  if (!pick) {
    const dev = f.routes.find((r) => r.dst === 'default')?.dev
    pick = v4.find((a) => a.iface === dev && !a.address.startsWith('127.'))
  }
  if (!pick) throw new InputError(`cannot tell the underlay interface of node ${node}`, 'name it with --iface IFACE or --address IP')
  return pick
}

/** The host's own networks that overlap the cluster's pod or service CIDR. */
export function overlappingNetworks(f: HostFacts, cidrs: Array<{what: string; cidr: Cidr}>): string[] {
  const found: string[] = []
  const nets: Array<{net: string; dev: string}> = []
  for (const a of f.addrs) {
    if (OWN_DEVICES.test(a.ifname)) continue
    for (const i of a.addr_info ?? []) if (i.family === 'inet' && !i.local.startsWith('127.')) nets.push({net: `${i.local}/${i.prefixlen}`, dev: a.ifname})
  }
  for (const r of f.routes) if (r.dst !== 'default' && !OWN_DEVICES.test(r.dev ?? '')) nets.push({net: r.dst.includes('/') ? r.dst : `${r.dst}/32`, dev: r.dev ?? r.gateway ?? '?'})
  for (const {net, dev} of nets) {
    const [ip, bits] = net.split('/')
    if (!isIPv4(ip)) continue
    const size = 2 ** (32 - Number(bits))
    const n = ip.split('.').reduce((a, b) => a * 256 + Number(b), 0)
    const c: Cidr = {base: n - (n % size), bits: Number(bits), text: net}
    for (const {what, cidr} of cidrs) if (overlaps(c, cidr)) found.push(`${net} on ${dev} overlaps the ${what} ${cidr.text}`)
  }
  return [...new Set(found)]
}

