import type {State} from '../state/schema.js'
import type {HostFacts} from './facts.js'
import {target} from './iptables.js'
import {broken, fine, type Candidate, type CounterRef, type Hop} from './model.js'
import {MASQ_BIT, translated, walkChain, type Branch, type Packet} from './netfilter.js'
import {nftServiceBranches, parseNft} from './nft.js'

export interface ServiceStep {
  hop?: Hop
  packet: Packet
  candidates: Candidate[]
  /** the rules decided: no further hops */
  stop: boolean
}

const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-PROXY-FIREWALL']

/** Why a filter rule of the service proxy stops a packet, from the comment kube-proxy gives it. */
function filterCause(text: string, p: Packet): string {
  if (text.includes('has no local endpoints')) return 'the service has no endpoint on this node and its traffic policy is Local'
  if (text.includes('traffic not accepted by')) return `the source ${p.src} is outside the service's loadBalancerSourceRanges`
  return 'the service has no endpoints'
}

const pct = (p: number) => `${Math.round(p * 1000) / 10}%`

function podNodeOf(state: State, ip: string): string | undefined {
  return Object.values(state.pods).find((p) => p.ip === ip && p.network === 'pod')?.node
}

/** Every endpoint the DNAT may pick, with its summed chance, in rule order. */
export function candidatesOf(state: State, branches: Branch[]): Candidate[] {
  const out = new Map<string, Candidate>()
  for (const b of branches) {
    if (!b.dnat) continue
    const prev = out.get(b.dnat)
    const masquerade = ((b.packet.mark ?? 0) & MASQ_BIT) !== 0
    if (prev) {
      prev.probability += b.probability
      prev.masquerade ||= masquerade
    } else {
      out.set(b.dnat, {endpoint: b.dnat, probability: b.probability, chain: b.by?.chain, node: podNodeOf(state, b.dnat.split(':')[0]), masquerade})
    }
  }
  return [...out.values()]
}

const ruleRef = (host: string, r: {table: string; chain: string; num: number}): CounterRef => ({kind: 'rule', host, table: r.table, chain: r.chain, num: r.num})

/**
 * Service DNAT on the host where the packet enters the rules (PREROUTING for a pod's packet,
 * OUTPUT for the node's own): the KUBE-SERVICES rule that matches, its KUBE-SVC chain, every
 * endpoint with its probability. `choose` ("ip:port") picks the endpoint to follow (else the first).
 */
export function serviceStep(state: State, f: HostFacts, p: Packet, hook: 'PREROUTING' | 'OUTPUT', isService: boolean, choose?: string): ServiceStep {
  const rs = f.iptables
  const what = `${p.dst}:${p.dport ?? ''}`
  const base = {host: f.node, kind: 'service', what}
  if (f.nft !== undefined) {
    const nft = nftStep(state, f, p, choose)
    if (nft) return nft
  }
  if (!rs) return isService ? {hop: broken({...base, detail: ''}, `cannot read iptables on ${f.node}`), packet: p, candidates: [], stop: true} : {packet: p, candidates: [], stop: false}
  const branches = walkChain(rs, 'nat', hook, p)
  const candidates = candidatesOf(state, branches)
  if (candidates.length === 0) {
    // what the nat rules left un-DNATed, filter may drop: no endpoints, none on this node for a Local policy, a source outside loadBalancerSourceRanges
    const filter = FILTER_CHAINS.flatMap((c) => walkChain(rs, 'filter', c, p)).find((b) => b.verdict === 'REJECT' || b.verdict === 'DROP')
    if (filter?.by) {
      return {hop: broken({...base, detail: `filter ${filter.by.chain} #${filter.by.num}: ${filter.by.text}`, counters: [ruleRef(f.node, filter.by)]}, `${filterCause(filter.by.text, p)}: ${filter.by.chain} ${filter.verdict}s it on ${f.node}`), packet: p, candidates, stop: true}
    }
    if (!isService) return {packet: p, candidates, stop: false}
    return {hop: broken({...base, detail: 'no KUBE-SERVICES rule matches'}, `no service rule for ${what} on ${f.node}: the service proxy has not programmed this node (try 'mk8s svc sync')`), packet: p, candidates, stop: true}
  }
  const pick = branches.find((b) => b.dnat && (choose === undefined || b.dnat === choose || b.dnat.split(':')[0] === choose)) ?? branches.find((b) => b.dnat)!
  const svcRule = pick.rules.find((r) => r.chain === 'KUBE-SERVICES')
  const svcChain = svcRule ? target(svcRule).name : undefined
  const list = candidates.map((c) => `${c.endpoint}${c.node ? ` (${c.node})` : ''} ${pct(c.probability)}`).join(', ')
  const masq = ((pick.packet.mark ?? 0) & MASQ_BIT) !== 0
  const counters = [svcRule, pick.by].filter((r) => r !== undefined).map((r) => ruleRef(f.node, r!))
  const hop = fine({
    ...base,
    detail: `${svcChain ?? 'DNAT'} -> ${pick.dnat}${masq ? ' (masqueraded)' : ''}, one of ${candidates.length}: ${list}`,
    counters,
  })
  return {hop, packet: translated(pick.packet, pick.dnat), candidates, stop: false}
}

/** The nftables mode: the verdict map element for the address, protocol and port, its chain, the endpoint chains. */
function nftStep(state: State, f: HostFacts, p: Packet, choose?: string): ServiceStep | undefined {
  const bs = nftServiceBranches(parseNft(f.nft!), p)
  if (bs.length === 0) return undefined
  const base = {host: f.node, kind: 'service', what: `${p.dst}:${p.dport ?? ''}`}
  const stop = bs.find((b) => b.verdict === 'REJECT' || b.verdict === 'DROP')
  const why = stop?.chains[0]?.startsWith('firewall-') ? `the source ${p.src} is outside the service's loadBalancerSourceRanges` : stop?.verdict === 'DROP' ? 'the service has no endpoint on this node and its traffic policy is Local' : 'the service has no endpoints'
  if (stop) return {hop: broken({...base, detail: `table ip mk8s: ${stop.chains.join(' > ')}`}, `${why}: nftables ${stop.verdict === 'DROP' ? 'drops' : 'rejects'} it on ${f.node}`), packet: p, candidates: [], stop: true}
  const candidates: Candidate[] = bs.filter((b) => b.dnat).map((b) => ({endpoint: b.dnat!, probability: b.probability, chain: b.chains[b.chains.length - 1], node: podNodeOf(state, b.dnat!.split(':')[0]), masquerade: b.masquerade}))
  const pick = bs.find((b) => b.dnat && (choose === undefined || b.dnat === choose)) ?? bs.find((b) => b.dnat)!
  const list = candidates.map((c) => `${c.endpoint}${c.node ? ` (${c.node})` : ''} ${pct(c.probability)}`).join(', ')
  const hop = fine({...base, detail: `${pick.chains[0]} -> ${pick.dnat}${pick.masquerade ? ' (masqueraded)' : ''}, one of ${candidates.length}: ${list}`})
  return {hop, packet: {...translated(p, pick.dnat), mark: pick.masquerade ? MASQ_BIT : p.mark}, candidates, stop: false}
}
