import {ipToNum, isIPv4} from '../util/cidr.js'
import {optValue, target, type Rule, type Ruleset} from './iptables.js'

/** A packet as the rules see it at one hook of one host. */
export interface Packet {
  src: string
  dst: string
  proto: 'tcp' | 'udp' | 'icmp'
  dport?: number
  /** input and output interfaces, where the hook knows them */
  iif?: string
  oif?: string
  mark?: number
  /** conntrack state: the first packet of a flow is NEW */
  ctstate?: 'NEW' | 'ESTABLISHED'
  /** addresses of the host the rules run on (addrtype LOCAL) */
  local?: readonly string[]
}

/** One way through a chain: the rules that matched, its chance, and how it ended. */
export interface Branch {
  probability: number
  packet: Packet
  /** matched rules, in order (jumps included) */
  rules: Rule[]
  /** ACCEPT, DROP, REJECT, DNAT, MASQUERADE, SNAT; RETURN for a user chain's end */
  verdict: string
  /** the rule that decided (undefined when a policy did) */
  by?: Rule
  /** "ip:port" chosen by DNAT */
  dnat?: string
  /** a built-in chain's policy decided */
  policy?: boolean
  /** options this reader does not know made a rule not match */
  unknown: string[]
}

const TERMINAL = new Set(['ACCEPT', 'DROP', 'REJECT', 'DNAT', 'MASQUERADE', 'SNAT', 'RETURN'])
const CONTINUE = new Set(['LOG', 'MARK', 'CONNMARK', 'TRACE', 'CT', 'NOTRACK', 'CHECKSUM', 'NFLOG', 'AUDIT'])

/** Is ip inside "a.b.c.d[/n]" (host bits allowed, as iptables allows them)? */
export function inNet(spec: string, ip: string): boolean {
  const [addr, bits = '32'] = spec.split('/')
  if (!isIPv4(addr) || !isIPv4(ip)) return false
  const size = 2 ** (32 - Number(bits))
  return Math.floor(ipToNum(addr) / size) === Math.floor(ipToNum(ip) / size)
}

const ifaceMatch = (pattern: string, name: string | undefined): boolean =>
  name !== undefined && (pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern)

function markMatch(spec: string, mark = 0): boolean {
  const [v, m] = spec.split('/')
  const mask = m === undefined ? 0xffffffff : Number(m)
  return ((mark & mask) >>> 0) === (Number(v) >>> 0)
}

/** Does a rule match? A number is the chance (statistic); unknown options make it not match. */
export function ruleMatches(args: readonly string[], p: Packet, unknown: string[] = []): boolean | number {
  let chance: number | undefined
  for (let i = 0; i < args.length; i++) {
    let neg = false
    let o = args[i]
    if (o === '!') {
      neg = true
      o = args[++i]
    }
    const v = args[i + 1]
    let ok: boolean
    switch (o) {
      case '-s': case '--source': ok = inNet(v, p.src); i++; break
      case '-d': case '--destination': ok = inNet(v, p.dst); i++; break
      case '-p': case '--protocol': ok = v === p.proto || v === 'all'; i++; break
      case '--dport': case '--destination-port': ok = p.dport !== undefined && portMatch(v, p.dport); i++; break
      case '--sport': case '--source-port': ok = false; i++; break
      case '-i': case '--in-interface': ok = ifaceMatch(v, p.iif); i++; break
      case '-o': case '--out-interface': ok = ifaceMatch(v, p.oif); i++; break
      case '--mark': ok = markMatch(v, p.mark); i++; break
      case '--ctstate': case '--state': ok = v.split(',').includes(p.ctstate ?? 'NEW'); i++; break
      case '--dst-type': ok = v === 'LOCAL' ? Boolean(p.local?.includes(p.dst)) : false; i++; break
      case '--src-type': ok = v === 'LOCAL' ? Boolean(p.local?.includes(p.src)) : false; i++; break
      case '--probability': chance = Number(v); ok = true; i++; break
      case '--rcheck': ok = false; break
      case '-m': case '--comment': case '--mode': case '--name': case '--mask': case '--seconds': case '--to-destination':
      case '--or-mark': case '--xor-mark': case '--set-xmark': case '--set-mark': case '--and-mark': case '--reject-with':
      case '--to-source': case '--log-prefix': case '--icmp-type': case '-j': case '-g': case '--jump': case '--goto':
        ok = true; i++; break
      case '--reap': case '--rsource': case '--random-fully': case '--random': case '--set': ok = true; break
      default:
        unknown.push(o)
        ok = false
        if (v !== undefined && !v.startsWith('-')) i++
    }
    if (neg) ok = !ok
    if (!ok) return false
  }
  return chance ?? true
}

function portMatch(spec: string, port: number): boolean {
  return spec.split(',').some((part) => {
    const [a, b] = part.split(':').map(Number)
    return b === undefined ? a === port : port >= a && port <= b
  })
}

function applyMark(args: readonly string[], mark = 0): number {
  const or = optValue(args, '--or-mark')
  if (or) return (mark | Number(or)) >>> 0
  const xor = optValue(args, '--xor-mark')
  if (xor) return (mark ^ Number(xor)) >>> 0
  const set = optValue(args, '--set-xmark', '--set-mark')
  if (set) {
    const [v, m] = set.split('/')
    const mask = m === undefined ? 0xffffffff : Number(m)
    return ((mark & ~mask) ^ Number(v)) >>> 0
  }
  return mark
}

interface Live {
  probability: number
  packet: Packet
  rules: Rule[]
  unknown: string[]
}

const MIN = 1e-9

/**
 * Every way a packet goes through a chain (jumps followed, statistic branches split with their
 * chances). A built-in chain ends in its policy; a user chain's end is RETURN.
 */
export function walkChain(rs: Ruleset, table: string, chain: string, p: Packet, depth = 0, start: Live = {probability: 1, packet: p, rules: [], unknown: []}): Branch[] {
  const c = rs[table]?.[chain]
  const done: Branch[] = []
  let live: Live[] = [start]
  if (!c || depth > 30) return live.map((l) => ({...l, verdict: c?.policy ?? (c ? 'RETURN' : 'ACCEPT'), policy: Boolean(c?.policy)}))
  for (const r of c.rules) {
    const next: Live[] = []
    for (const l of live) {
      const m = ruleMatches(r.args, l.packet, l.unknown)
      if (m === false) {
        next.push(l)
        continue
      }
      const chance = m === true ? 1 : m
      if (chance < 1) next.push({...l, probability: l.probability * (1 - chance)})
      const hit: Live = {...l, probability: l.probability * chance, rules: [...l.rules, r]}
      if (hit.probability < MIN) continue
      const t = target(r)
      const name = t.name ?? ''
      if (TERMINAL.has(name)) {
        const dnat = name === 'DNAT' ? optValue(r.args, '--to-destination') : undefined
        done.push({...hit, verdict: name, by: r, ...(dnat ? {dnat} : {})})
      } else if (name === '' || CONTINUE.has(name)) {
        next.push(name === 'MARK' ? {...hit, packet: {...hit.packet, mark: applyMark(r.args, hit.packet.mark)}} : hit)
      } else {
        for (const b of walkChain(rs, table, name, hit.packet, depth + 1, hit)) {
          if (b.verdict !== 'RETURN') done.push(b)
          else if (t.goto) done.push(b)
          else next.push({probability: b.probability, packet: b.packet, rules: b.rules, unknown: b.unknown})
        }
      }
    }
    live = next
    if (live.length === 0) break
  }
  for (const l of live) done.push({...l, verdict: c.policy ?? 'RETURN', policy: Boolean(c.policy)})
  return done.filter((b) => b.probability >= MIN)
}

/** The packet after DNAT to "ip:port". */
export function translated(p: Packet, dnat?: string): Packet {
  if (!dnat) return p
  const [ip, port] = dnat.split(':')
  return {...p, dst: ip, dport: port ? Number(port) : p.dport}
}


/** kube-proxy's masquerade mark: KUBE-MARK-MASQ sets it, KUBE-POSTROUTING masquerades on it. */
export const MASQ_BIT = 0x4000

export interface Outcome {
  verdict: 'ACCEPT' | 'DROP' | 'REJECT'
  /** "ip:port" after DNAT */
  dnat?: string
  probability: number
  masquerade: boolean
}

/**
 * What becomes of a packet on one host, as kube-proxy's packet-flow tests ask: nat at its hook
 * (PREROUTING for what arrives, OUTPUT for what the host sends), then filter on the translated
 * packet (INPUT, FORWARD or OUTPUT), then nat POSTROUTING (masqueraded or not). One outcome per
 * endpoint and verdict, with the chance of each.
 */
export function packetFlow(rs: Ruleset, p: Packet, hook: 'PREROUTING' | 'OUTPUT', oif?: string): Outcome[] {
  const out = new Map<string, Outcome>()
  for (const n of walkChain(rs, 'nat', hook, p)) {
    const q = translated(n.packet, n.dnat)
    const chain = hook === 'OUTPUT' ? 'OUTPUT' : p.local?.includes(q.dst) ? 'INPUT' : 'FORWARD'
    for (const f of walkChain(rs, 'filter', chain, {...q, oif})) {
      const verdict = f.verdict === 'DROP' || f.verdict === 'REJECT' ? f.verdict : 'ACCEPT'
      const post = verdict === 'ACCEPT' && !(chain === 'INPUT') ? walkChain(rs, 'nat', 'POSTROUTING', {...f.packet, oif}) : []
      const masquerade = post.some((b) => b.verdict === 'MASQUERADE' || b.verdict === 'SNAT')
      const o: Outcome = {verdict, ...(n.dnat && verdict === 'ACCEPT' ? {dnat: n.dnat} : {}), probability: n.probability * f.probability, masquerade}
      const k = `${o.verdict} ${o.dnat ?? ''} ${o.masquerade}`
      const prev = out.get(k)
      if (prev) prev.probability += o.probability
      else out.set(k, o)
    }
  }
  return [...out.values()]
}
