/**
 * A small reader of `nft list table ip mk8s` for the nftables proxy mode: the verdict maps that
 * send a service's address . protocol . port to its chain, and the chains that spread over
 * endpoints with `numgen random mod n 0` and DNAT. Just the statements mk8s's planner writes.
 */
import {inNet} from './netfilter.js'

export interface NftTable {
  chains: Map<string, string[]>
  /** map name -> element key ("10.96.0.2 . tcp . 80") -> verdict ("goto service-...") */
  maps: Map<string, Map<string, string>>
  /** the names of the table's sets (the affinity sets of services with sessionAffinity) */
  sets: string[]
}

export function parseNft(text: string): NftTable {
  const chains = new Map<string, string[]>()
  const maps = new Map<string, Map<string, string>>()
  const sets: string[] = []
  const lines = text.split('\n').map((l) => l.trim())
  for (let i = 0; i < lines.length; i++) {
    const c = /^chain (\S+) \{$/.exec(lines[i])
    if (c) {
      const body: string[] = []
      while (++i < lines.length && lines[i] !== '}') if (lines[i] && !lines[i].startsWith('type ')) body.push(lines[i])
      chains.set(c[1].replace(/"/g, ''), body)
      continue
    }
    const set = /^set (\S+) \{$/.exec(lines[i])
    if (set) {
      sets.push(set[1].replace(/"/g, ''))
      while (++i < lines.length && lines[i] !== '}');
      continue
    }
    const m = /^map (\S+) \{$/.exec(lines[i])
    if (!m) continue
    let body = ''
    while (++i < lines.length && lines[i] !== '}') body += ` ${lines[i]}`
    const els = /elements = \{(.*)\}/.exec(body)?.[1] ?? ''
    maps.set(m[1], new Map(els.split(',').map((e) => e.split(' : ').map((x) => x.trim().replace(/"/g, ''))).filter((kv) => kv.length === 2) as Array<[string, string]>))
  }
  return {chains, maps, sets}
}

export interface NftBranch {
  probability: number
  chains: string[]
  dnat?: string
  masquerade: boolean
  verdict: 'DNAT' | 'REJECT' | 'DROP' | 'NONE'
}

interface Pkt {
  src: string
  dst: string
  proto: string
  dport?: number
  local?: readonly string[]
}

const target = (v: string) => /(?:goto|jump) (\S+)$/.exec(v)?.[1]

function walk(t: NftTable, chain: string, p: Pkt, b: NftBranch, depth = 0): NftBranch[] {
  const rules = t.chains.get(chain)
  if (!rules || depth > 10) return [b]
  let live = {...b, chains: [...b.chains, chain]}
  const out: NftBranch[] = []
  for (const r of rules) {
    if (r === 'reject' || r === 'drop') return [...out, {...live, verdict: r === 'reject' ? 'REJECT' : 'DROP'}]
    const dnat = /dnat to (\S+)$/.exec(r)
    if (dnat) return [...out, {...live, verdict: 'DNAT', dnat: dnat[1]}]
    let ok = true
    for (const m of r.matchAll(/ip (saddr|daddr) (!= )?(\S+)/g)) {
      if (m[3].startsWith('@')) ok = false
      else if (inNet(m[3], m[1] === 'saddr' ? p.src : p.dst) === Boolean(m[2])) ok = false
    }
    if (/fib saddr type local/.test(r) && !p.local?.includes(p.src)) ok = false
    const port = /(?:tcp|udp) dport (\d+)/.exec(r)
    if (port && Number(port[1]) !== p.dport) ok = false
    if (!ok) continue
    const to = target(r)
    if (!to) continue
    if (to === 'mark-for-masquerade') {
      live = {...live, masquerade: true}
      continue
    }
    const n = /numgen random mod (\d+) 0 /.exec(r)
    const chance = n ? 1 / Number(n[1]) : 1
    out.push(...walk(t, to, p, {...live, probability: live.probability * chance}, depth + 1))
    if (chance === 1) return out
    live = {...live, probability: live.probability * (1 - chance)}
  }
  return out
}

/** `ip saddr != { a, b/n } drop` (nft lists a set of one as `ip saddr != a drop`): does it drop this source? */
function dropsSource(rule: string, src: string): boolean {
  const m = /^ip saddr != (?:\{ (.*) \}|(\S+)) drop$/.exec(rule)
  return Boolean(m) && !(m![1] ?? m![2]).split(',').some((x) => inNet(x.trim(), src))
}

/** Every way a packet to a service goes through the table (an empty list: no service has its address and port). */
export function nftServiceBranches(t: NftTable, p: Pkt): NftBranch[] {
  const start: NftBranch = {probability: 1, chains: [], masquerade: false, verdict: 'NONE'}
  const key = `${p.dst} . ${p.proto} . ${p.dport}`
  const local = p.local?.includes(p.dst)
  // loadBalancerSourceRanges: the firewall chain drops other sources before any DNAT
  const fw = target(t.maps.get('firewall-ips')?.get(key) ?? '')
  if (fw && (t.chains.get(fw) ?? []).some((r) => dropsSource(r, p.src))) return [{...start, chains: [fw], verdict: 'DROP'}]
  const verdict = t.maps.get('service-ips')?.get(key) ?? (local ? t.maps.get('service-nodeports')?.get(`${p.proto} . ${p.dport}`) : undefined)
  if (verdict) return walk(t, target(verdict)!, p, start)
  const none = t.maps.get('no-endpoint-services')?.get(key) ?? (local ? t.maps.get('no-endpoint-nodeports')?.get(`${p.proto} . ${p.dport}`) : undefined)
  if (none) return [{...start, chains: ['no-endpoint-services'], verdict: /drop/.test(none) ? 'DROP' : 'REJECT'}]
  return []
}
