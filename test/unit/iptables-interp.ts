import {specArgv} from '../../src/lib/svc/iptables.plan.js'
import {contains, parseCidr} from '../../src/lib/util/cidr.js'

/**
 * A tiny interpreter of the rules mk8s generates (not of iptables in general): enough to walk a
 * packet through nat and filter and list every outcome the random branches allow.
 */
type Rule = string[]
type Tables = Record<string, Record<string, Rule[]>>

export function parseRestore(text: string): Tables {
  const t: Tables = {}
  let table = ''
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) t[(table = line.slice(1))] ??= {}
    else if (line.startsWith(':')) t[table][line.slice(1).split(' ')[0]] ??= []
    else if (line.startsWith('-A ')) {
      const [, chain, ...rest] = specArgv(line)
      ;(t[table][chain] ??= []).push(rest)
    }
  }
  return t
}

export interface Packet {
  src: string
  dst: string
  proto: 'tcp' | 'udp'
  dport: number
  /** OUTPUT for a packet the node itself sends, PREROUTING for one that arrives */
  hook: 'PREROUTING' | 'OUTPUT'
}

export interface Outcome {
  verdict: 'ACCEPT' | 'REJECT' | 'DROP'
  /** "ip:port" after DNAT, if any */
  dnat?: string
  masq: boolean
}

const inNet = (net: string, ip: string) => contains(parseCidr(net.includes('/') ? net : `${net}/32`), ip)

function matches(r: Rule, p: Packet, local: string[]): boolean | 'random' {
  let random = false
  for (let i = 0; i < r.length; i++) {
    const neg = r[i] === '!'
    const o = neg ? r[++i] : r[i]
    const v = r[i + 1]
    let ok = true
    switch (o) {
      case '-s': ok = inNet(v, p.src); i++; break
      case '-d': ok = inNet(v, p.dst); i++; break
      case '-p': ok = v === p.proto; i++; break
      case '--dport': ok = Number(v) === p.dport; i++; break
      case '--dst-type': ok = local.includes(p.dst); i++; break
      case '--src-type': ok = local.includes(p.src) || p.hook === 'OUTPUT'; i++; break
      case '--probability': random = true; i++; break
      case '--rcheck': ok = false; break
      case '-j': return random ? 'random' : true
      default: break
    }
    if (neg) ok = !ok
    if (!ok) return false
  }
  return random ? 'random' : true
}

/** Every way a packet can go through one chain: [outcome-so-far, finished?]. */
function walk(t: Record<string, Rule[]>, chain: string, p: Packet, local: string[], masq: boolean): Array<{masq: boolean; done?: Outcome}> {
  let paths: Array<{masq: boolean; done?: Outcome}> = [{masq}]
  for (const r of t[chain] ?? []) {
    const next: typeof paths = []
    for (const path of paths) {
      if (path.done) { next.push(path); continue }
      const m = matches(r, p, local)
      if (m === false) { next.push(path); continue }
      if (m === 'random') next.push(path)
      const target = r[r.indexOf('-j') + 1]
      if (target === 'MARK') next.push({masq: r.includes('--or-mark') ? true : path.masq})
      else if (target === 'RETURN') next.push({...path, done: {verdict: 'ACCEPT', masq: path.masq}})
      else if (target === 'DNAT') next.push({masq: path.masq, done: {verdict: 'ACCEPT', masq: path.masq, dnat: r[r.indexOf('--to-destination') + 1]}})
      else if (target === 'REJECT' || target === 'DROP') next.push({masq: path.masq, done: {verdict: target, masq: path.masq}})
      else next.push(...walk(t, target, p, local, path.masq).map((x) => (x.done?.verdict === 'ACCEPT' && !x.done.dnat ? {masq: x.masq} : x)))
    }
    paths = next
  }
  return paths
}

/** Outcomes of one packet on a node with these local addresses: nat first, then filter on the translated packet. */
export function flow(text: string, p: Packet, local: string[]): Outcome[] {
  const t = parseRestore(text)
  const out = new Map<string, Outcome>()
  for (const n of walk(t.nat, 'KUBE-SERVICES', p, local, false)) {
    const dnat = n.done?.dnat
    const q = dnat ? {...p, dst: dnat.split(':')[0], dport: Number(dnat.split(':')[1])} : p
    const chains = p.hook === 'OUTPUT' ? ['KUBE-SERVICES'] : local.includes(q.dst) ? ['KUBE-EXTERNAL-SERVICES'] : ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES']
    const f = chains.flatMap((c) => walk(t.filter, c, q, local, false)).find((x) => x.done)?.done
    const o: Outcome = f && f.verdict !== 'ACCEPT' ? {verdict: f.verdict, masq: false} : {verdict: 'ACCEPT', masq: n.masq, ...(dnat ? {dnat} : {})}
    out.set(JSON.stringify(o), o)
  }
  return [...out.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
}
