import {step, type Plan} from '../host/plan.js'
import {emptyFragment, mergeFragments, type Fragment, type FragmentDiff} from './fragment.js'
import {contains, parseCidr} from '../util/cidr.js'
import {type ProxyConfig, type ProxyPort} from './model.js'
import {nftBase, nftEndpointChain} from './names.js'

/**
 * nftables mode: one table `ip mk8s`. Services are elements of verdict maps keyed on
 * `ip daddr . meta l4proto . th dport` (a hash lookup whatever their number), each pointing to a
 * service chain that spreads over endpoint chains with `numgen random mod n` rules (no anonymous
 * vmap per service: binding thousands of those is what makes `nft -f` slow).
 */
export const TABLE = 'mk8s'
const T = `ip ${TABLE}`

const BASE = `table ${T} {
\tmap service-ips {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t}
\tmap service-nodeports {
\t\ttype inet_proto . inet_service : verdict
\t}
\tmap no-endpoint-services {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t}
\tmap no-endpoint-nodeports {
\t\ttype inet_proto . inet_service : verdict
\t}
\tmap firewall-ips {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t}
\tchain reject-chain {
\t\treject
\t}
\tchain mark-for-masquerade {
\t\tmeta mark set meta mark | 0x4000
\t}
\tchain masquerading {
\t\tmeta mark & 0x4000 == 0 return
\t\tmeta mark set meta mark ^ 0x4000
\t\tmasquerade fully-random
\t}
\tchain services {
\t\tip daddr . meta l4proto . th dport vmap @service-ips
\t\tfib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports
\t}
\tchain service-endpoints-check {
\t\tip daddr . meta l4proto . th dport vmap @no-endpoint-services
\t}
\tchain nodeport-endpoints-check {
\t\tfib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports
\t}
\tchain firewall-check {
\t\tip daddr . meta l4proto . th dport vmap @firewall-ips
\t}
\tchain nat-prerouting {
\t\ttype nat hook prerouting priority -100; policy accept;
\t\tjump services
\t}
\tchain nat-output {
\t\ttype nat hook output priority -100; policy accept;
\t\tjump services
\t}
\tchain nat-postrouting {
\t\ttype nat hook postrouting priority 100; policy accept;
\t\tjump masquerading
\t}
\tchain filter-prerouting {
\t\ttype filter hook prerouting priority -110; policy accept;
\t\tct state new jump firewall-check
\t}
\tchain filter-input {
\t\ttype filter hook input priority -110; policy accept;
\t\tct state new jump nodeport-endpoints-check
\t\tct state new jump service-endpoints-check
\t}
\tchain filter-forward {
\t\ttype filter hook forward priority -110; policy accept;
\t\tct state new jump service-endpoints-check
\t}
\tchain filter-output {
\t\ttype filter hook output priority -110; policy accept;
\t\tct state new jump service-endpoints-check
\t\tct state new jump firewall-check
\t}
}`

const proto = (p: ProxyPort) => p.protocol.toLowerCase()
const chain = (name: string, lines: string[]) => [`chain ${name}`, lines.join('\n')] as const

/** Rules that spread over endpoint chains: affinity lookups first, then numgen 1/n, 1/(n-1), ... */
function spread(p: ProxyPort, eps: ProxyPort['endpoints']): string[] {
  const names = eps.map((e) => nftEndpointChain(p.namespace, p.name, p.protocol, p.portName, e.ip, e.port))
  const lines = p.affinity ? names.map((n) => `ip saddr @${affinitySet(n)} goto ${n}`) : []
  names.forEach((n, i) => {
    const left = names.length - i
    lines.push(left > 1 ? `numgen random mod ${left} 0 goto ${n}` : `goto ${n}`)
  })
  return lines
}

const affinitySet = (endpointChain: string) => `affinity-${endpointChain.slice('endpoint-'.length)}`

/**
 * Networks none of which lies inside another (an anonymous nft set refuses overlapping intervals),
 * in their order; a /32 is written as its address, as nft lists it.
 */
function withoutCovered(cidrs: string[]): string[] {
  const nets = cidrs.map((c) => parseCidr(c))
  const inside = (a: (typeof nets)[number], b: (typeof nets)[number]) => b.bits <= a.bits && contains(b, a.text.split('/')[0])
  return nets.filter((a, i) => !nets.some((b, j) => j !== i && inside(a, b) && (a.bits !== b.bits || j < i))).map((n) => (n.bits === 32 ? n.text.slice(0, -3) : n.text))
}

/**
 * The rules of one service port on one node: the ClusterIP's element goes to the service chain (or,
 * with internalTrafficPolicy Local, to the local chain of this node's endpoints), NodePorts, external
 * IPs and the LoadBalancer address to the external chain; LoadBalancer source ranges are a
 * firewall chain that drops other sources before DNAT (filter prerouting and output, priority -110).
 */
export function nftPortFragment(p: ProxyPort, cfg: ProxyConfig): Fragment {
  const f = emptyFragment()
  const base = nftBase(p.namespace, p.name, p.protocol, p.portName)
  const svc = `service-${base}`
  const loc = `local-${base}`
  const ext = `external-${base}`
  const pr = proto(p)
  const key = (ip: string) => `${ip} . ${pr} . ${p.port}`
  if (p.endpoints.length === 0) {
    f.entries.add(`no-endpoint-services ${key(p.clusterIP)} : goto reject-chain`)
    for (const ip of p.externalIPs) f.entries.add(`no-endpoint-services ${key(ip)} : goto reject-chain`)
    if (p.nodePort !== undefined) f.entries.add(`no-endpoint-nodeports ${pr} . ${p.nodePort} : goto reject-chain`)
    if (p.loadBalancerIP) f.entries.add(`no-endpoint-services ${key(p.loadBalancerIP)} : goto reject-chain`)
    return f
  }
  const local = p.endpoints.filter((e) => e.local)
  const external = p.nodePort !== undefined || p.loadBalancerIP !== undefined || p.externalIPs.length > 0
  const usesCluster = !p.internalLocal || external
  const internal = p.internalLocal ? loc : svc
  const masq = `ip daddr ${p.clusterIP} ${pr} dport ${p.port} ip saddr != ${cfg.podCIDR} jump mark-for-masquerade`
  if (!p.internalLocal || local.length) f.entries.add(`service-ips ${key(p.clusterIP)} : goto ${internal}`)
  else f.entries.add(`no-endpoint-services ${key(p.clusterIP)} : drop`)
  if (usesCluster) f.objects.set(...chain(svc, [...(internal === svc ? [masq] : []), ...spread(p, p.endpoints)]))
  if (p.internalLocal && local.length) f.objects.set(...chain(loc, [masq, ...spread(p, local)]))
  for (const e of usesCluster ? p.endpoints : local) {
    const n = nftEndpointChain(p.namespace, p.name, p.protocol, p.portName, e.ip, e.port)
    const lines = [`ip saddr ${e.ip} jump mark-for-masquerade`]
    if (p.affinity) {
      lines.push(`update @${affinitySet(n)} { ip saddr }`)
      f.objects.set(`set ${affinitySet(n)}`, `type ipv4_addr; flags dynamic,timeout; timeout ${p.affinitySeconds}s;`)
    }
    lines.push(`meta l4proto ${pr} dnat to ${e.ip}:${e.port}`)
    f.objects.set(...chain(n, lines))
  }
  if (!external) return f
  for (const ip of p.externalIPs) f.entries.add(`service-ips ${key(ip)} : goto ${ext}`)
  if (p.nodePort !== undefined) f.entries.add(`service-nodeports ${pr} . ${p.nodePort} : goto ${ext}`)
  if (p.loadBalancerIP) f.entries.add(`service-ips ${key(p.loadBalancerIP)} : goto ${ext}`)
  if (p.loadBalancerIP && p.sourceRanges.length) {
    const fw = `firewall-${base}`
    // the LoadBalancer address is local on the node that announces it: its own traffic may come from it
    const from = withoutCovered([...p.sourceRanges, ...(p.nodeIP && p.sourceRanges.some((r) => contains(parseCidr(r), p.nodeIP!)) ? [`${p.loadBalancerIP}/32`] : [])])
    f.entries.add(`firewall-ips ${key(p.loadBalancerIP)} : goto ${fw}`)
    f.objects.set(...chain(fw, [`ip saddr != { ${from.join(', ')} } drop`]))
  }
  if (!p.localOnly) {
    f.objects.set(...chain(ext, ['jump mark-for-masquerade', `goto ${svc}`]))
    return f
  }
  f.objects.set(...chain(ext, [
    `ip saddr ${cfg.podCIDR} goto ${svc}`,
    'fib saddr type local jump mark-for-masquerade',
    `fib saddr type local goto ${svc}`,
    ...spread(p, local),
  ]))
  if (!local.length) {
    for (const ip of p.externalIPs) f.entries.add(`no-endpoint-services ${key(ip)} : drop`)
    if (p.nodePort !== undefined) f.entries.add(`no-endpoint-nodeports ${pr} . ${p.nodePort} : drop`)
    if (p.loadBalancerIP) f.entries.add(`no-endpoint-services ${key(p.loadBalancerIP)} : drop`)
  }
  return f
}

export const nftFragment = (ports: ProxyPort[], cfg: ProxyConfig): Fragment => mergeFragments(ports.map((p) => nftPortFragment(p, cfg)))

const split = (s: string): [string, string] => {
  const i = s.indexOf(' ')
  return [s.slice(0, i), s.slice(i + 1)]
}
const keyOf = (element: string) => element.slice(0, element.indexOf(' : '))

function objectLines(key: string, body: string, fresh: boolean): string[] {
  const [kind, name] = split(key)
  if (kind === 'set') return [`add set ${T} ${name} { ${body} }`]
  const out = [`add chain ${T} ${name}`]
  if (!fresh) out.push(`flush chain ${T} ${name}`)
  for (const line of body.split('\n')) out.push(`add rule ${T} ${name} ${line}`)
  return out
}

/** Elements grouped per map, one statement each (one statement for thousands is far faster). */
function elementLines(verb: 'add' | 'delete', entries: string[]): string[] {
  const byMap = new Map<string, string[]>()
  for (const e of [...entries].sort()) {
    const [map, el] = split(e)
    byMap.set(map, [...(byMap.get(map) ?? []), verb === 'delete' ? keyOf(el) : el])
  }
  return [...byMap].map(([map, els]) => `${verb} element ${T} ${map} { ${els.join(', ')} }`)
}

/** The whole table of a node, replaced in one transaction (the table is created first so that delete never fails). */
export function nftFullScript(services: Fragment[]): string {
  const all = mergeFragments(services)
  const keys = [...all.objects.keys()].sort((a, b) => (a.startsWith('set') === b.startsWith('set') ? (a < b ? -1 : 1) : a.startsWith('set') ? -1 : 1))
  const chains = keys.filter((k) => k.startsWith('chain '))
  return [
    `add table ${T}`,
    `delete table ${T}`,
    BASE,
    ...keys.filter((k) => k.startsWith('set ')).flatMap((k) => objectLines(k, all.objects.get(k)!, true)),
    ...chains.map((k) => `add chain ${T} ${split(k)[1]}`),
    ...chains.flatMap((k) => objectLines(k, all.objects.get(k)!, true).slice(1)),
    ...elementLines('add', [...all.entries]),
  ].join('\n') + '\n'
}

/** Only what changed, as one `nft -f` transaction: new chains first, then elements, then what goes. */
export function nftIncrementalScript(d: FragmentDiff): string {
  const write = [...d.write.keys()].sort()
  const sets = write.filter((k) => k.startsWith('set ') && !d.replace.has(k))
  const chains = write.filter((k) => k.startsWith('chain '))
  const removeChains = d.remove.filter((k) => k.startsWith('chain ')).sort()
  const out = [
    ...sets.flatMap((k) => objectLines(k, d.write.get(k)!, true)),
    ...chains.map((k) => `add chain ${T} ${split(k)[1]}`),
    ...chains.flatMap((k) => objectLines(k, d.write.get(k)!, !d.replace.has(k)).slice(1)),
    ...elementLines('delete', d.removeEntries),
    ...elementLines('add', d.addEntries),
    ...removeChains.map((k) => `flush chain ${T} ${split(k)[1]}`),
    ...removeChains.map((k) => `delete chain ${T} ${split(k)[1]}`),
    ...d.remove.filter((k) => k.startsWith('set ')).sort().map((k) => `delete set ${T} ${split(k)[1]}`),
  ]
  return out.length ? out.join('\n') + '\n' : ''
}

export const NFT_APPLY = ['nft', '-f', '-']

export const nftApplyPlan = (script: string): Plan => (script ? [step(NFT_APPLY, {stdin: script})] : [])

export const nftRemovePlan = (): Plan => [step(['nft', 'delete', 'table', 'ip', TABLE], {onlyIf: ['nft', 'list', 'table', 'ip', TABLE]})]
