import {step, type Plan} from '../host/plan.js'
import {emptyFragment, mergeFragments, type Fragment, type FragmentDiff} from './fragment.js'
import {contains, parseCidr} from '../util/cidr.js'
import {type ProxyConfig, type ProxyPort} from './model.js'
import {endpointChainName, portChainBase} from './names.js'

/**
 * kube-proxy's iptables mode, as restore text. Chain structure and comments follow kube-proxy
 * (pkg/proxy/iptables/proxier.go); rules are written in iptables-save's order of options.
 */
export const MASQ_MARK = '0x4000/0x4000'
const NODEPORTS_LAST = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'

/** Chains every node has, with their fixed bodies. */
export const BASE_CHAINS = {
  filter: {
    'KUBE-SERVICES': [],
    'KUBE-EXTERNAL-SERVICES': [],
    'KUBE-FORWARD': [
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${MASQ_MARK} -j ACCEPT`,
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ],
    /** loadBalancerSourceRanges: what KUBE-FW-* did not DNAT to the LoadBalancer address is dropped here */
    'KUBE-PROXY-FIREWALL': [],
  },
  nat: {
    'KUBE-SERVICES': [],
    'KUBE-NODEPORTS': [],
    'KUBE-POSTROUTING': [
      `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK} -j RETURN`,
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ],
    'KUBE-MARK-MASQ': ['-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000'],
  },
} as const

const FIREWALL_SPEC = '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL'
/** The jumps into KUBE-PROXY-FIREWALL (first in each chain, where kube-proxy puts them). */
export const FIREWALL_JUMPS: Array<[string, string, string]> = ['INPUT', 'FORWARD', 'OUTPUT'].map((c) => ['filter', c, FIREWALL_SPEC])

/** Jumps from the built-in chains into mk8s's, ensured with -C once per node: [table, chain, spec]. */
export const JUMPS: Array<[string, string, string]> = [
  ['nat', 'PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
  ['nat', 'OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
  ['nat', 'POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'],
  ['filter', 'INPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES'],
  ['filter', 'FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
  ['filter', 'FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES'],
  ['filter', 'FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD'],
  ['filter', 'OUTPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
  ...FIREWALL_JUMPS,
]

/** The argv of one iptables call on a rule spec (split like the shell would: only "..." quoting is used). */
export function specArgv(spec: string): string[] {
  return [...spec.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2])
}

/** kube-proxy's probability text: 1/n with ten decimals. */
export const probability = (n: number): string => (1 / n).toFixed(10)

const proto = (p: ProxyPort) => p.protocol.toLowerCase()
const q = (text: string) => `"${text}"`
const inRange = (cidr: string, ip: string) => contains(parseCidr(cidr), ip)

/** Jumps that spread over endpoints: affinity checks first, then 1/n, 1/(n-1), ... as kube-proxy writes them. */
function spread(chain: string, p: ProxyPort, eps: ProxyPort['endpoints']): string[] {
  const lines: string[] = []
  const named = eps.map((e) => ({e, sep: endpointChainName(p.spn, p.protocol, `${e.ip}:${e.port}`), c: q(`${p.spn} -> ${e.ip}:${e.port}`)}))
  if (p.affinity) {
    for (const {sep, c} of named) lines.push(`-A ${chain} -m comment --comment ${c} -m recent --rcheck --seconds ${p.affinitySeconds} --reap --name ${sep} --mask 255.255.255.255 --rsource -j ${sep}`)
  }
  named.forEach(({sep, c}, i) => {
    const left = named.length - i
    lines.push(left > 1 ? `-A ${chain} -m comment --comment ${c} -m statistic --mode random --probability ${probability(left)} -j ${sep}` : `-A ${chain} -m comment --comment ${c} -j ${sep}`)
  })
  return lines
}

function sepChain(p: ProxyPort, e: ProxyPort['endpoints'][number]): [string, string] {
  const sep = endpointChainName(p.spn, p.protocol, `${e.ip}:${e.port}`)
  const recent = p.affinity ? ` -m recent --set --name ${sep} --mask 255.255.255.255 --rsource` : ''
  return [`nat ${sep}`, [
    `-A ${sep} -s ${e.ip}/32 -m comment --comment ${q(p.spn)} -j KUBE-MARK-MASQ`,
    `-A ${sep} -p ${proto(p)} -m comment --comment ${q(p.spn)}${recent} -m ${proto(p)} -j DNAT --to-destination ${e.ip}:${e.port}`,
  ].join('\n')]
}

/**
 * The rules of one service port on one node, as kube-proxy writes them: the ClusterIP goes to the
 * internal policy chain (KUBE-SVC, or KUBE-SVL with internalTrafficPolicy Local), NodePorts,
 * external IPs and LoadBalancer addresses to KUBE-EXT (through KUBE-FW when the LoadBalancer has
 * source ranges), KUBE-EXT to the external policy chain; what has no endpoint to go to is
 * REJECTed (none at all) or DROPped (none on this node for a Local policy) in filter.
 */
export function iptablesPortFragment(p: ProxyPort, cfg: ProxyConfig): Fragment {
  const f = emptyFragment()
  const base = portChainBase(p.spn, p.protocol)
  const svc = `KUBE-SVC-${base}`
  const svl = `KUBE-SVL-${base}`
  const ext = `KUBE-EXT-${base}`
  const fw = `KUBE-FW-${base}`
  const pr = proto(p)
  const dport = (n: number) => `-m ${pr} --dport ${n}`
  const dst = (ip: string) => `-d ${ip}/32 -p ${pr}`
  const external = p.nodePort !== undefined || p.loadBalancerIP !== undefined || p.externalIPs.length > 0
  const local = p.endpoints.filter((e) => e.local)
  if (p.endpoints.length === 0) {
    const c = q(`${p.spn} has no endpoints`)
    f.entries.add(`filter KUBE-SERVICES ${dst(p.clusterIP)} -m comment --comment ${c} ${dport(p.port)} -j REJECT`)
    for (const ip of p.externalIPs) f.entries.add(`filter KUBE-EXTERNAL-SERVICES ${dst(ip)} -m comment --comment ${c} ${dport(p.port)} -j REJECT`)
    if (p.nodePort !== undefined) f.entries.add(`filter KUBE-EXTERNAL-SERVICES -p ${pr} -m comment --comment ${c} -m addrtype --dst-type LOCAL ${dport(p.nodePort)} -j REJECT`)
    if (p.loadBalancerIP) f.entries.add(`filter KUBE-EXTERNAL-SERVICES ${dst(p.loadBalancerIP)} -m comment --comment ${c} ${dport(p.port)} -j REJECT`)
    return f
  }
  const noLocal = q(`${p.spn} has no local endpoints`)
  const hasInternal = !p.internalLocal || local.length > 0
  const hasExternal = !p.localOnly || local.length > 0
  const usesCluster = !p.internalLocal || external
  const usesLocal = local.length > 0 && (p.internalLocal || (p.localOnly && external))
  const internal = p.internalLocal ? svl : svc
  const usesFW = p.loadBalancerIP !== undefined && p.sourceRanges.length > 0
  const clusterC = q(`${p.spn} cluster IP`)
  // the masquerade of off-cluster sources is the internal policy chain's first rule, whichever it is
  const masq = `-A ${internal} ! -s ${cfg.podCIDR} ${dst(p.clusterIP)} -m comment --comment ${clusterC} ${dport(p.port)} -j KUBE-MARK-MASQ`
  if (hasInternal) f.entries.add(`nat KUBE-SERVICES ${dst(p.clusterIP)} -m comment --comment ${clusterC} ${dport(p.port)} -j ${internal}`)
  else f.entries.add(`filter KUBE-SERVICES ${dst(p.clusterIP)} -m comment --comment ${noLocal} ${dport(p.port)} -j DROP`)
  if (usesCluster) f.objects.set(`nat ${svc}`, [...(internal === svc ? [masq] : []), ...spread(svc, p, p.endpoints)].join('\n'))
  if (usesLocal) f.objects.set(`nat ${svl}`, [...(internal === svl ? [masq] : []), ...spread(svl, p, local)].join('\n'))
  const used = new Map((usesCluster ? p.endpoints : usesLocal ? local : []).map((e) => sepChain(p, e)))
  if (external) {
    for (const ip of p.externalIPs) {
      f.entries.add(`nat KUBE-SERVICES ${dst(ip)} -m comment --comment ${q(`${p.spn} external IP`)} ${dport(p.port)} -j ${ext}`)
      if (!hasExternal) f.entries.add(`filter KUBE-EXTERNAL-SERVICES ${dst(ip)} -m comment --comment ${noLocal} ${dport(p.port)} -j DROP`)
    }
    if (p.nodePort !== undefined) f.entries.add(`nat KUBE-NODEPORTS -p ${pr} -m comment --comment ${q(p.spn)} ${dport(p.nodePort)} -j ${ext}`)
    if (p.loadBalancerIP) {
      f.entries.add(`nat KUBE-SERVICES ${dst(p.loadBalancerIP)} -m comment --comment ${q(`${p.spn} loadbalancer IP`)} ${dport(p.port)} -j ${usesFW ? fw : ext}`)
      if (usesFW) f.entries.add(`filter KUBE-PROXY-FIREWALL ${dst(p.loadBalancerIP)} -m comment --comment ${q(`${p.spn} traffic not accepted by ${fw}`)} ${dport(p.port)} -j DROP`)
    }
    const what = `${p.spn} external destinations`
    if (!p.localOnly) {
      f.objects.set(`nat ${ext}`, [`-A ${ext} -m comment --comment ${q(`masquerade traffic for ${what}`)} -j KUBE-MARK-MASQ`, `-A ${ext} -j ${svc}`].join('\n'))
    } else {
      const lines = [
        `-A ${ext} -s ${cfg.podCIDR} -m comment --comment ${q(`pod traffic for ${what}`)} -j ${svc}`,
        `-A ${ext} -m comment --comment ${q(`masquerade LOCAL traffic for ${what}`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
        `-A ${ext} -m comment --comment ${q(`route LOCAL traffic for ${what}`)} -m addrtype --src-type LOCAL -j ${svc}`,
      ]
      if (local.length) {
        lines.push(`-A ${ext} -j ${svl}`)
      } else {
        if (p.nodePort !== undefined) f.entries.add(`filter KUBE-EXTERNAL-SERVICES -p ${pr} -m comment --comment ${noLocal} -m addrtype --dst-type LOCAL ${dport(p.nodePort)} -j DROP`)
        if (p.loadBalancerIP) f.entries.add(`filter KUBE-EXTERNAL-SERVICES ${dst(p.loadBalancerIP)} -m comment --comment ${noLocal} ${dport(p.port)} -j DROP`)
      }
      f.objects.set(`nat ${ext}`, lines.join('\n'))
    }
    if (usesFW) {
      // sources in the ranges go on to KUBE-EXT; the rest leave un-DNATed and KUBE-PROXY-FIREWALL drops them in filter
      const lbC = q(`${p.spn} loadbalancer IP`)
      const from = [...p.sourceRanges]
      // the LoadBalancer address is local on the node that announces it: its own traffic may come from it
      if (p.nodeIP && p.sourceRanges.some((r) => inRange(r, p.nodeIP!))) from.push(`${p.loadBalancerIP}/32`)
      f.objects.set(`nat ${fw}`, [
        ...from.map((r) => `-A ${fw} -s ${r} -m comment --comment ${lbC} -j ${ext}`),
        `-A ${fw} -m comment --comment ${q(`other traffic to ${p.spn} will be dropped by KUBE-PROXY-FIREWALL`)}`,
      ].join('\n'))
    }
  }
  for (const [k, v] of used) f.objects.set(k, v)
  return f
}

export const iptablesFragment = (ports: ProxyPort[], cfg: ProxyConfig): Fragment => mergeFragments(ports.map((p) => iptablesPortFragment(p, cfg)))

const TABLES = ['filter', 'nat'] as const
const split = (key: string): [string, string] => {
  const i = key.indexOf(' ')
  return [key.slice(0, i), key.slice(i + 1)]
}

/**
 * The whole ruleset of a node as one restore input: every mk8s chain declared (which flushes it
 * under --noflush), its rules written, and `stale` chains (KUBE-SVC/SEP/EXT/SVL-* that the node has
 * but no service wants: "table chain") flushed, then deleted. Touches only KUBE-* chains.
 */
export function iptablesFullRestore(services: Fragment[], stale: string[] = []): string {
  const all = mergeFragments(services)
  const out: string[] = []
  for (const table of TABLES) {
    const base = BASE_CHAINS[table] as Record<string, readonly string[]>
    const own = [...all.objects.keys()].filter((k) => split(k)[0] === table).sort()
    // stale chains are flushed too before any is deleted: one may still jump to another (SVC -> SEP)
    const gone = stale.filter((s) => split(s)[0] === table && !all.objects.has(s)).sort()
    out.push(`*${table}`)
    for (const c of Object.keys(base)) out.push(`:${c} - [0:0]`)
    for (const k of [...own, ...gone]) out.push(`:${split(k)[1]} - [0:0]`)
    for (const lines of Object.values(base)) out.push(...lines)
    for (const chain of table === 'nat' ? ['KUBE-SERVICES', 'KUBE-NODEPORTS'] : ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-PROXY-FIREWALL']) {
      const prefix = `${table} ${chain} `
      for (const e of all.entries) if (e.startsWith(prefix)) out.push(`-A ${chain} ${e.slice(prefix.length)}`)
      if (table === 'nat' && chain === 'KUBE-SERVICES') out.push(`-A KUBE-SERVICES ${NODEPORTS_LAST}`)
    }
    for (const k of own) out.push(all.objects.get(k)!)
    for (const k of gone) out.push(`-X ${split(k)[1]}`)
    out.push('COMMIT')
  }
  return out.join('\n') + '\n'
}

/**
 * Only what changed, as one restore input: changed and new chains declared and rewritten, shared
 * rules deleted (-D) or added (new KUBE-SERVICES rules inserted at the top, so that the KUBE-NODEPORTS
 * jump stays last), chains no longer wanted flushed and deleted (-X). Empty when nothing changed.
 */
export function iptablesIncrementalRestore(d: FragmentDiff): string {
  const out: string[] = []
  for (const table of TABLES) {
    const mine = (k: string) => split(k)[0] === table
    const write = [...d.write.keys()].filter(mine).sort()
    const remove = d.remove.filter(mine).sort()
    const adds = d.addEntries.filter(mine).sort()
    const dels = d.removeEntries.filter(mine).sort()
    if (!write.length && !remove.length && !adds.length && !dels.length) continue
    out.push(`*${table}`)
    for (const k of [...write, ...remove]) out.push(`:${split(k)[1]} - [0:0]`)
    for (const e of dels) out.push(`-D ${split(e)[1]}`)
    for (const e of adds) {
      const rest = split(e)[1]
      out.push(rest.startsWith('KUBE-SERVICES ') && table === 'nat' ? `-I KUBE-SERVICES 1 ${rest.slice('KUBE-SERVICES '.length)}` : `-A ${rest}`)
    }
    for (const k of write) out.push(d.write.get(k)!)
    for (const k of remove) out.push(`-X ${split(k)[1]}`)
    out.push('COMMIT')
  }
  return out.length ? out.join('\n') + '\n' : ''
}

export const RESTORE = ['iptables-restore', '--noflush', '-w', '5']

/** Apply a restore input; with `ensureJumps`, also make sure the built-in chains jump into mk8s's (once per node). */
export function iptablesApplyPlan(restore: string, ensureJumps: boolean): Plan {
  const plan: Plan = restore ? [step(RESTORE, {stdin: restore})] : []
  if (ensureJumps) {
    for (const [table, chain, spec] of JUMPS) {
      plan.push(step(['iptables', '-w', '5', '-t', table, '-I', chain, ...specArgv(spec)], {unless: ['iptables', '-w', '5', '-t', table, '-C', chain, ...specArgv(spec)]}))
    }
  }
  return plan
}

/**
 * KUBE-PROXY-FIREWALL and the jumps into it, made where missing: before an incremental restore that
 * writes into it on a node programmed before the chain existed (a full restore declares it anyway).
 */
export const iptablesFirewallEnsure = (): Plan => [
  step(['iptables', '-w', '5', '-t', 'filter', '-N', 'KUBE-PROXY-FIREWALL'], {unless: ['iptables', '-w', '5', '-t', 'filter', '-S', 'KUBE-PROXY-FIREWALL']}),
  ...FIREWALL_JUMPS.map(([table, chain, spec]) => step(['iptables', '-w', '5', '-t', table, '-I', chain, ...specArgv(spec)], {unless: ['iptables', '-w', '5', '-t', table, '-C', chain, ...specArgv(spec)]})),
]

/** Reads the KUBE-* chains a node has: "table chain" per line (for a full re-sync). */
export const iptablesChainsRead = (): Plan => [
  step(['sh', '-c', 'for t in filter nat; do iptables-save -t "$t" | sed -n "s/^:\\(KUBE-[A-Z0-9-]*\\) .*/$t \\1/p"; done'], {capture: true}),
]

/** Every KUBE-* chain gone from a node, after the jumps into them (node leave, cluster reset). */
const IPTABLES_REMOVE_CHAINS = `for t in nat filter; do
  chains=$(iptables-save -t "$t" | sed -n 's/^:\\(KUBE-[A-Z0-9-]*\\) .*/\\1/p')
  [ -n "$chains" ] || continue
  { echo "*$t"; for c in $chains; do echo ":$c - [0:0]"; done; for c in $chains; do echo "-X $c"; done; echo COMMIT; } | iptables-restore --noflush -w 5
done`

export const iptablesRemovePlan = (): Plan => [
  ...JUMPS.map(([table, chain, spec]) => step(['iptables', '-w', '5', '-t', table, '-D', chain, ...specArgv(spec)], {onlyIf: ['iptables', '-w', '5', '-t', table, '-C', chain, ...specArgv(spec)]})),
  step(['sh', '-c', IPTABLES_REMOVE_CHAINS]),
]
