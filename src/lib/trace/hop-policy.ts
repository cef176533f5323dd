import {explain, type End} from '../netpol/explain.js'
import {dropCounter, NETPOL_TABLE} from '../netpol/plan.js'
import type {State} from '../state/schema.js'
import type {Endpoint, Hop, TraceResult} from './model.js'

/** The extra read trace makes on every node: the NetworkPolicy drop counters. */
export const NETPOL_READ: [string, readonly string[]] = ['netpol', ['nft', '-j', 'list', 'counters', 'table', 'inet', NETPOL_TABLE]]

/** Counter name -> packets, from `nft -j list counters` (empty when the table is not there). */
export function parseNetpolCounters(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>()
  try {
    for (const o of (JSON.parse(text ?? '') as {nftables?: Array<{counter?: {name: string; packets: number}}>}).nftables ?? []) if (o.counter) out.set(o.counter.name, o.counter.packets)
  } catch {
    // no table, or not JSON: no counters
  }
  return out
}

interface PolicyHop extends Hop {
  /** drop counters of the isolating policies that would count this packet, on `host` */
  dropCounters: string[]
}

/**
 * The NetworkPolicy verdict for the packet, as a hop: which policies isolate the source for
 * egress and the destination for ingress, and which rule allows (or that none does). The
 * destination is the pod after DNAT (the endpoint of a service). Undefined when no policy exists.
 */
export function policyHop(state: State, from: Extract<Endpoint, {kind: 'pod' | 'node'}>, to: Endpoint, proto: string, endpoint?: string): PolicyHop | undefined {
  if (Object.keys(state.networkPolicies).length === 0) return undefined
  let dstIp = to.ip
  let port = to.port
  if (to.kind === 'svc') {
    if (!endpoint) return undefined
    const i = endpoint.lastIndexOf(':')
    dstIp = endpoint.slice(0, i)
    port = Number(endpoint.slice(i + 1))
  }
  const dstPod = Object.values(state.pods).find((p) => p.ip === dstIp && p.network === 'pod')
  const src: End = from.kind === 'pod' && from.pod.network === 'pod' ? {kind: 'pod', pod: from.pod, ip: from.ip} : from.kind === 'node' ? {kind: 'node', node: from.node, ip: from.ip} : {kind: 'ip', ip: from.ip}
  const dst: End = dstPod ? {kind: 'pod', pod: dstPod, ip: dstIp} : {kind: 'ip', ip: dstIp}
  const e = explain(state, src, dst, proto.toUpperCase() as 'TCP', port ?? 0)
  const side = (d: typeof e.egress) => `${d.direction} ${d.pod ?? '-'}: ${d.isolatedBy.length ? `isolated by ${d.isolatedBy.join(', ')}; ` : ''}${d.reason}`
  const detail = `${side(e.egress)}; ${side(e.ingress)}`
  const bad = !e.egress.allowed ? e.egress : !e.ingress.allowed ? e.ingress : undefined
  const host = bad?.direction === 'egress' && src.kind === 'pod' ? src.pod.node : dstPod?.node ?? (src.kind === 'pod' ? src.pod.node : from.kind === 'node' ? from.node.name : '-')
  const hop: PolicyHop = {host, kind: 'policy', what: `inet ${NETPOL_TABLE}`, detail, ok: !bad, dropCounters: []}
  if (bad) {
    hop.cause = `NetworkPolicy drops it: ${bad.reason} (${bad.direction} of ${bad.pod})`
    hop.dropCounters = bad.isolatedBy.map((k) => {
      const [ns, name] = k.split('/')
      return dropCounter(ns, name, bad.direction)
    })
  }
  return hop
}

/** --probe: did one of the isolating policies' drop counters move? */
export function probePolicyHop(hop: PolicyHop, before: Map<string, number>, after: Map<string, number>): Hop {
  const {dropCounters, ...h} = hop
  if (!dropCounters.length) return h
  const parts = dropCounters.map((c) => `${c} +${(after.get(c) ?? 0) - (before.get(c) ?? 0)}`)
  return {...h, probe: {seen: dropCounters.some((c) => (after.get(c) ?? 0) > (before.get(c) ?? 0)), evidence: parts.join(', ')}}
}

/**
 * Put the hop where the verdict falls: an egress drop after the source's cni0, else before the
 * destination pod's veth (or at the end). A drop ends the path there, as every broken hop does.
 */
export function withPolicyHop(r: TraceResult, hop: Hop): TraceResult {
  const hops = r.hops
  const egressDrop = !hop.ok && hop.cause?.includes('(egress of')
  let i = egressDrop
    ? hops.findIndex((h) => h.host === hop.host && h.kind === 'bridge') + 1
    : hops.findIndex((h) => h.host === hop.host && h.kind === 'veth' && h.counters?.some((c) => c.kind === 'link' && c.dir === 'tx'))
  if (i <= 0) i = egressDrop ? 0 : hops.length
  if (hop.ok) return {...r, hops: [...hops.slice(0, i), hop, ...hops.slice(i)]}
  const kept = hops.slice(0, i).filter((h) => h.ok)
  return {...r, hops: [...kept, hop], ok: false, broken: {host: hop.host, hop: 'policy', cause: hop.cause!}}
}
