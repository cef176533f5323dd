import type {NodeRecord, State} from '../state/schema.js'
import {link, localAddrs, VTEP, type HostFacts, type Route} from './facts.js'
import {broken, fine, type CounterRef, type Hop} from './model.js'
import {walkChain, type Branch, type Packet} from './netfilter.js'
import {describeRoute} from './route.js'

const decide = (bs: Branch[]): Branch => [...bs].sort((a, b) => b.probability - a.probability)[0]

function verdictRef(host: string, table: string, chain: string, b: Branch): CounterRef {
  return b.by ? {kind: 'rule', host, table, chain: b.by.chain, num: b.by.num} : {kind: 'policy', host, table, chain}
}

const blocked = (b: Branch) => b.verdict === 'DROP' || b.verdict === 'REJECT'

function why(b: Branch, chain: string): string {
  if (b.by) return `${b.by.chain} rule #${b.by.num} ${b.verdict}s it: ${b.by.text}`
  return `the ${chain} policy is ${b.verdict} and no rule accepts this traffic`
}

/** A host forwarding the packet: ip_forward on, and the filter FORWARD chain letting it through. */
export function forwardHop(f: HostFacts, p: Packet, oif: string | undefined): Hop {
  const base = {host: f.node, kind: 'forward', what: 'FORWARD'}
  const fwd = f.sysctl['net.ipv4.ip_forward']
  if (fwd !== undefined && fwd !== '1') return broken({...base, detail: `net.ipv4.ip_forward=${fwd}`}, `IP forwarding is off on ${f.node} (net.ipv4.ip_forward=${fwd})`)
  if (!f.iptables) return fine({...base, detail: 'ip_forward=1 (iptables not readable)'})
  const b = decide(walkChain(f.iptables, 'filter', 'FORWARD', {...p, oif}))
  const counters = [verdictRef(f.node, 'filter', 'FORWARD', b)]
  if (blocked(b)) {
    const cause = b.by ? why(b, 'FORWARD') : `the FORWARD policy is ${b.verdict} on ${f.node} and no rule accepts pod traffic (mk8s's accept rules are missing)`
    return broken({...base, detail: `verdict ${b.verdict}`, counters}, cause)
  }
  return fine({...base, detail: `ip_forward=1, ${b.verdict}${b.by ? ` by ${b.by.chain} #${b.by.num}` : ' (policy)'}`, counters})
}

/** The filter chain of a host's own traffic (INPUT for what arrives, OUTPUT for what it sends). */
export function filterHop(f: HostFacts, chain: 'INPUT' | 'OUTPUT', p: Packet, kind: string, what: string): Hop | undefined {
  if (!f.iptables) return undefined
  const b = decide(walkChain(f.iptables, 'filter', chain, p))
  if (!blocked(b)) return undefined
  return broken({host: f.node, kind, what, detail: `filter ${chain}: ${b.verdict}`, counters: [verdictRef(f.node, 'filter', chain, b)]}, `${why(b, chain)} (on ${f.node})`)
}

/** Is the packet masqueraded when it leaves by `oif`? (nat POSTROUTING) */
export function masqueraded(f: HostFacts, p: Packet, oif: string | undefined): boolean {
  if (!f.iptables) return false
  return walkChain(f.iptables, 'nat', 'POSTROUTING', {...p, oif}).some((b) => b.verdict === 'MASQUERADE' || b.verdict === 'SNAT')
}

export function routeHop(f: HostFacts, r: Route, masq: boolean, dir?: 'tx'): Hop {
  const counters = dir && r.dev ? [{kind: 'link' as const, host: f.node, ifname: r.dev, dir}] : undefined
  return fine({host: f.node, kind: 'route', what: r.dev ?? r.dst, detail: `${describeRoute(r)}${masq ? ', masqueraded to the node address' : ''}`, ...(counters ? {counters} : {})})
}

export interface Encap {
  hop: Hop
  peer?: NodeRecord
  outer?: {src?: string; dst: string; port: number; vni: number; mac: string}
}

/** VXLAN encapsulation: route via the peer's VTEP address, its ARP entry (MAC), its FDB entry (underlay address). */
export function vxlanEncapHop(state: State, f: HostFacts, r: Route, dst: string): Encap {
  const base = {host: f.node, kind: 'vxlan-encap', what: VTEP, counters: [{kind: 'link' as const, host: f.node, ifname: VTEP, dir: 'tx' as const}]}
  const dev = link(f, VTEP)
  if (!dev?.vxlan) return {hop: broken({...base, detail: describeRoute(r)}, `${VTEP} is missing on ${f.node}`)}
  if (!dev.up) return {hop: broken({...base, detail: describeRoute(r)}, `${VTEP} is down on ${f.node}`)}
  if (!r.gateway) return {hop: broken({...base, detail: describeRoute(r)}, `the route to ${dst} on ${f.node} has no next hop (peer VTEP)`)}
  const neigh = f.neigh.find((n) => n.ip === r.gateway && n.mac)
  if (!neigh) return {hop: broken({...base, detail: describeRoute(r)}, `no ARP entry for the peer VTEP ${r.gateway} on ${f.node} (ip neigh show dev ${VTEP})`)}
  const fdb = f.fdb.find((e) => e.mac === neigh.mac && e.dst)
  if (!fdb?.dst) return {hop: broken({...base, detail: `${r.gateway} is ${neigh.mac}`}, `no FDB entry for ${neigh.mac} on ${f.node} (bridge fdb show dev ${VTEP})`)}
  const peer = Object.values(state.nodes).find((n) => n.address === fdb.dst)
  const outer = {src: dev.vxlan.local, dst: fdb.dst, port: dev.vxlan.port, vni: dev.vxlan.id, mac: neigh.mac!}
  const detail = `outer ${outer.src ?? '?'} -> ${outer.dst} udp/${outer.port} VNI ${outer.vni} (inner to ${neigh.mac})`
  if (!peer) return {hop: broken({...base, detail}, `the FDB entry for ${neigh.mac} points to ${fdb.dst}, which is no node of the cluster (stale FDB)`), outer}
  return {hop: fine({...base, detail}), peer, outer}
}

/** Decapsulation on the peer: its VTEP has the MAC and VNI the sender used, and UDP to the VXLAN port is let in. */
export function vxlanDecapHop(f: HostFacts, from: NodeRecord, outer: NonNullable<Encap['outer']>): Hop {
  const base = {host: f.node, kind: 'vxlan-decap', what: VTEP, counters: [{kind: 'link' as const, host: f.node, ifname: VTEP, dir: 'rx' as const}]}
  const dev = link(f, VTEP)
  const detail = `VNI ${outer.vni} udp/${outer.port} from ${from.address}`
  if (!dev?.vxlan) return broken({...base, detail}, `${VTEP} is missing on ${f.node}`)
  if (!dev.up) return broken({...base, detail}, `${VTEP} is down on ${f.node}`)
  if (dev.vxlan.id !== outer.vni || dev.vxlan.port !== outer.port) return broken({...base, detail}, `${f.node}'s ${VTEP} has VNI ${dev.vxlan.id} port ${dev.vxlan.port}, the sender uses VNI ${outer.vni} port ${outer.port}`)
  if (dev.mac && dev.mac !== outer.mac) return broken({...base, detail}, `${from.name}'s ARP/FDB entry says ${f.node}'s VTEP is ${outer.mac}, but it is ${dev.mac} (stale entry on ${from.name})`)
  const input = filterHop(f, 'INPUT', {src: from.address, dst: outer.dst, proto: 'udp', dport: outer.port, local: localAddrs(f)}, 'vxlan-decap', VTEP)
  if (input) return {...input, detail, cause: `VXLAN UDP ${outer.port} is blocked: ${input.cause}`}
  return fine({...base, detail})
}
