/**
 * Other firewalls on a host, read in the same round trip as preflight (and doctor): firewalld,
 * ufw, a dockerd that writes iptables rules of its own, two iptables backends both holding rules,
 * and nftables tables whose own base chains drop by policy. Pure parsers of what the host prints,
 * and an assessment of what each does to pod traffic: handled (mk8s's own chains first, nothing of
 * theirs touched), or refused with what the owner of the host can do.
 */
import {InputError} from '../errors.js'
import {step, type Captured, type Plan} from '../host/plan.js'

const FIREWALLD = `command -v firewall-cmd >/dev/null 2>&1 || { echo absent; exit 0; }
s=$(firewall-cmd --state 2>&1); echo "state $s"
[ "$s" = running ] || exit 0
echo "trusted $(firewall-cmd --zone=trusted --list-interfaces 2>/dev/null)"
echo "ports $(firewall-cmd --list-ports 2>/dev/null)"`
const UFW = 'command -v ufw >/dev/null 2>&1 || { echo absent; exit 0; }; ufw status verbose 2>&1; true'
const BACKENDS = `for b in legacy nft; do command -v iptables-$b-save >/dev/null 2>&1 || continue; echo "@@backend $b"; iptables-$b-save -t filter 2>/dev/null; done; true`
const NFT = 'command -v nft >/dev/null 2>&1 || { echo "{}"; exit 0; }; nft -j list ruleset 2>/dev/null || echo "{}"'

/** What preflight and doctor read about firewalls: keys of the captures. */
export const FIREWALL_READS: Array<[string, readonly string[]]> = [
  ['firewalld', ['sh', '-c', FIREWALLD]],
  ['ufw', ['sh', '-c', UFW]],
  ['iptables-backends', ['sh', '-c', BACKENDS]],
  // not "nft": trace's facts name the service table so, and doctor reads both in one script
  ['nft-ruleset', ['sh', '-c', NFT]],
]

export const firewallReadPlan = (): Plan => FIREWALL_READS.map(([, argv]) => step(argv, {capture: true}))

export interface BackendRules {
  /** rules (-A lines) outside mk8s's and kube-proxy's own chains */
  foreignRules: number
  forwardPolicy?: string
  inputPolicy?: string
}

export interface NftDrop {
  family: string
  table: string
  chain: string
  hook: string
  /** the chain's rules mention mk8s's devices or the pod network: the owner let pod traffic through */
  letsPodsThrough: boolean
}

export interface FirewallFacts {
  firewalld?: {running: boolean; trusted: string[]; ports: string[]}
  ufw?: {active: boolean; incoming?: string; routed?: string}
  /** a dockerd that manages iptables (its chains are in the filter table) */
  dockerIptables: boolean
  backends: Partial<Record<'legacy' | 'nft', BackendRules>>
  nftDrops: NftDrop[]
}

/** Chains whose rules are mk8s's or kube-proxy-style rules mk8s wrote. */
const OURS = /^(MK8S-|KUBE-)/

export function parseBackends(text: string): FirewallFacts['backends'] {
  const out: FirewallFacts['backends'] = {}
  for (const chunk of text.split(/^@@backend /m).slice(1)) {
    const nl = chunk.indexOf('\n')
    const name = chunk.slice(0, nl === -1 ? undefined : nl).trim()
    if (name !== 'legacy' && name !== 'nft') continue
    const body = nl === -1 ? '' : chunk.slice(nl + 1)
    const r: BackendRules = {foreignRules: 0}
    for (const line of body.split('\n')) {
      const pol = /^:(INPUT|FORWARD) (ACCEPT|DROP)/.exec(line)
      if (pol) r[pol[1] === 'INPUT' ? 'inputPolicy' : 'forwardPolicy'] = pol[2]
      const rule = /^-A (\S+)(.*)$/.exec(line)
      if (rule && !OURS.test(rule[1]) && !/-j (MK8S-|KUBE-)\S*\s*$/.test(rule[2])) r.foreignRules++
    }
    out[name] = r
  }
  return out
}

/** Tables iptables-nft makes for the iptables tools (their rules are read through iptables-save). */
const IPTABLES_NFT_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security'])

export function parseNftDrops(json: string, ownTables: readonly string[], podCIDR?: string): NftDrop[] {
  type J = Record<string, any>
  let items: J[] = []
  try {
    items = ((JSON.parse(json) as J).nftables ?? []) as J[]
  } catch {
    return []
  }
  const rules = new Map<string, string[]>()
  for (const it of items) {
    if (!it.rule) continue
    const k = `${it.rule.family} ${it.rule.table} ${it.rule.chain}`
    rules.set(k, [...(rules.get(k) ?? []), JSON.stringify(it.rule.expr ?? [])])
  }
  const podNet = podCIDR?.split('/')[0]
  const out: NftDrop[] = []
  for (const it of items) {
    const c = it.chain
    if (!c || c.policy !== 'drop' || !['input', 'forward'].includes(c.hook)) continue
    if (ownTables.includes(c.table)) continue
    if ((c.family === 'ip' || c.family === 'ip6') && IPTABLES_NFT_TABLES.has(c.table)) continue
    const text = (rules.get(`${c.family} ${c.table} ${c.name}`) ?? []).join(' ')
    const lets = /"cni0"|"flannel\.1"|"mk8s-/.test(text) || (podNet !== undefined && text.includes(`"${podNet}"`))
    out.push({family: c.family, table: c.table, chain: c.name, hook: c.hook, letsPodsThrough: lets})
  }
  return out
}

export function parseUfw(text: string): FirewallFacts['ufw'] {
  if (/^absent/.test(text.trim())) return undefined
  const active = /^Status: active/m.test(text)
  const def = /^Default: (\w+) \(incoming\), (\w+) \(outgoing\), (\w+|disabled) \(routed\)/m.exec(text)
  return {active, ...(def ? {incoming: def[1], routed: def[3]} : {})}
}

export function parseFirewalld(text: string): FirewallFacts['firewalld'] {
  if (/^absent/.test(text.trim())) return undefined
  const state = /^state (.*)$/m.exec(text)?.[1]?.trim()
  const words = (key: string) => (new RegExp(`^${key} (.*)$`, 'm').exec(text)?.[1] ?? '').split(/\s+/).filter(Boolean)
  return {running: state === 'running', trusted: words('trusted'), ports: words('ports')}
}

/**
 * A dockerd that manages iptables (the default, --iptables=true) leaves its chains in the filter
 * table of the host's network namespace: that, not its command line, is what pod traffic meets
 * (and a process list can show daemons of other network namespaces).
 */
export const parseDockerIptables = (backendsText: string): boolean => /^:DOCKER(-USER|-FORWARD|-ISOLATION-STAGE-1)? /m.test(backendsText)

export function parseFirewalls(c: ReadonlyMap<string, Captured>, opts: {ownTables?: readonly string[]; podCIDR?: string} = {}): FirewallFacts {
  const out = (k: string) => c.get(k)?.output ?? ''
  return {
    firewalld: parseFirewalld(out('firewalld')),
    ufw: parseUfw(out('ufw')),
    dockerIptables: parseDockerIptables(out('iptables-backends')),
    backends: parseBackends(out('iptables-backends')),
    nftDrops: parseNftDrops(out('nft-ruleset') || '{}', opts.ownTables ?? [], opts.podCIDR),
  }
}

export interface FirewallVerdict {
  /** firewalld, ufw, docker, iptables-legacy, nftables */
  what: string
  /** handled: mk8s works with it; refused: pod traffic would be dropped and mk8s cannot fix it without touching rules it did not make */
  verdict: 'handled' | 'refused'
  /** what it does to pod traffic */
  effect: string
  /** what mk8s does about it, or what the host's owner can do */
  fix: string
}

const MK8S_DEVICES = ['cni0', 'flannel.1', 'mk8s-dns0']

/** What each firewall does to pod traffic, and whether mk8s works with it. */
export function assessFirewalls(f: FirewallFacts, opts: {iptables: 'legacy' | 'nft'; podCIDR: string}): FirewallVerdict[] {
  const out: FirewallVerdict[] = []
  if (f.firewalld?.running) {
    const missing = MK8S_DEVICES.filter((d) => !f.firewalld!.trusted.includes(d))
    const vxlan = f.firewalld.ports.includes('8472/udp')
    if (missing.length || !vxlan) {
      out.push({
        what: 'firewalld',
        verdict: 'refused',
        effect: "firewalld's own nftables table rejects forwarded traffic between interfaces of no zone, VXLAN (udp/8472) from the other nodes and pods' DNS queries to their node; an accept in mk8s's chains does not override it",
        fix: `put mk8s's devices in the trusted zone and open VXLAN, then join again: firewall-cmd --permanent --zone=trusted ${MK8S_DEVICES.map((d) => `--add-interface=${d}`).join(' ')} && firewall-cmd --permanent --add-port=8472/udp && firewall-cmd --reload`,
      })
    } else {
      out.push({what: 'firewalld', verdict: 'handled', effect: "mk8s's devices are in the trusted zone and udp/8472 is open", fix: 'nothing to do'})
    }
  }
  if (f.ufw?.active) {
    out.push({
      what: 'ufw',
      verdict: 'handled',
      effect: `ufw's default ${f.ufw.incoming ?? 'deny'} (incoming) drops VXLAN from the other nodes and pods' DNS queries to their node, ${f.ufw.routed ?? 'deny'} (routed) drops forwarded pod traffic`,
      fix: "mk8s's own chains MK8S-INPUT and MK8S-FORWARD come first in INPUT and FORWARD, ahead of ufw's; ufw's rules are left alone (after ufw reload or enable, mk8s doctor --fix puts the jumps back first)",
    })
  }
  if (f.dockerIptables) {
    out.push({
      what: 'docker',
      verdict: 'handled',
      effect: "a dockerd with --iptables=true sets FORWARD's policy to DROP, loads br_netfilter and puts DOCKER-USER and its isolation chains first in FORWARD; pod traffic matches none of Docker's rules",
      fix: "MK8S-FORWARD accepts pod traffic under the DROP policy; Docker's chains are left alone",
    })
  }
  const other = opts.iptables === 'nft' ? 'legacy' : 'nft'
  const o = f.backends[other]
  if (o && (o.forwardPolicy === 'DROP' || o.inputPolicy === 'DROP')) {
    const which = [o.forwardPolicy === 'DROP' ? 'FORWARD' : '', o.inputPolicy === 'DROP' ? 'INPUT' : ''].filter(Boolean).join(' and ')
    out.push({
      what: `iptables-${other}`,
      verdict: 'refused',
      effect: `iptables-${other} (beside iptables-${opts.iptables}, which mk8s uses) has the policy DROP in ${which}${o.foreignRules ? ` and ${o.foreignRules} rules` : ''}: both rule sets see every packet, so pod traffic that mk8s's rules accept is still dropped there`,
      fix: `keep one backend: move those rules to iptables-${opts.iptables} and reset the other (iptables-${other} -P ${which.split(' and ')[0]} ACCEPT, then iptables-${other} -F), or make iptables-${other} the default (update-alternatives --set iptables /usr/sbin/iptables-${other}) before joining`,
    })
  }
  for (const d of f.nftDrops) {
    if (d.letsPodsThrough) continue
    const nftName = `${d.family} ${d.table} ${d.chain}`
    out.push({
      what: 'nftables',
      verdict: 'refused',
      effect: `the nftables chain ${nftName} (hook ${d.hook}, policy drop) drops ${d.hook === 'forward' ? 'forwarded pod traffic' : "VXLAN from the other nodes and pods' DNS queries"} whatever mk8s's own rules accept`,
      fix:
        d.hook === 'forward'
          ? `let pod traffic through in that chain: nft insert rule ${nftName} ip saddr ${opts.podCIDR} accept; nft insert rule ${nftName} ip daddr ${opts.podCIDR} accept`
          : `let VXLAN and pods in, in that chain: nft insert rule ${nftName} udp dport 8472 accept; nft insert rule ${nftName} ip saddr ${opts.podCIDR} accept`,
    })
  }
  return out
}

/** The firewall captures of a plan whose firewall reads start at step `offset`, by name. */
export function firewallCaptures(c: ReadonlyMap<number, Captured>, offset: number): Map<string, Captured> {
  return new Map(FIREWALL_READS.flatMap(([k], i): Array<[string, Captured]> => (c.has(offset + i) ? [[k, c.get(offset + i)!]] : [])))
}

/** iptables -V's backend ("nf_tables" or "legacy") as the two names of the tools. */
export const iptablesFlavour = (backend: string): 'legacy' | 'nft' => (backend === 'nf_tables' || backend === 'nft' ? 'nft' : 'legacy')

/** Refuse (exit 2, nothing changed yet) when a firewall would drop pod traffic and mk8s cannot work with it. */
export function checkFirewalls(node: string, verdicts: readonly FirewallVerdict[]): void {
  const refused = verdicts.filter((v) => v.verdict === 'refused')
  if (!refused.length) return
  throw new InputError(
    `node ${node}'s firewall would drop pod traffic:\n${refused.map((v) => `  - ${v.what}: ${v.effect}`).join('\n')}`,
    `mk8s never changes rules it did not make; as the host's owner:\n${refused.map((v) => `  - ${v.fix}`).join('\n')}`,
  )
}
