import type {State} from '../state/schema.js'
import {contains, nthAddress, parseCidr} from '../util/cidr.js'
import {bridgeName, localAddrs, VTEP, type HostFacts} from './facts.js'
import {serviceStep} from './hop-service.js'
import {bridgeHop, podEth0Hop, podVethHop} from './hops-pod.js'
import {filterHop, forwardHop, masqueraded, routeHop, vxlanDecapHop, vxlanEncapHop} from './hops-net.js'
import {broken, fine, protocolOf, type Endpoint, type Hop, type TraceResult} from './model.js'
import type {Packet} from './netfilter.js'
import {lookupRoute} from './route.js'

export interface WalkInput {
  state: State
  facts: ReadonlyMap<string, HostFacts>
  from: Extract<Endpoint, {kind: 'pod' | 'node'}>
  to: Endpoint
  /** the service endpoint to follow ("ip:port"), e.g. the one --probe saw chosen */
  endpoint?: string
}

const gatewayOf = (podCIDR: string) => nthAddress(parseCidr(podCIDR), 1)

/** Where the packet ends: a pod on this host, behind cni0. */
function deliverToPod(w: WalkInput, f: HostFacts, dst: string, srcPod: string | undefined, routed: boolean): Hop[] {
  const pod = Object.values(w.state.pods).find((p) => p.ip === dst && p.node === f.node && p.network === 'pod')
  const node = w.state.nodes[f.node]
  const hops = routed ? [bridgeHop(f, gatewayOf(node.podCIDR), 'tx')] : []
  if (!pod) return [...hops, broken({host: f.node, kind: 'pod', what: dst, detail: ''}, `no pod of the state has ${dst} on ${f.node}`)]
  const self = srcPod === `${pod.namespace}/${pod.name}`
  return [...hops, podVethHop(f, pod, 'tx', self), podEth0Hop(f, pod, w.from.ip)]
}

function deliverLocal(f: HostFacts, p: Packet): Hop {
  const input = filterHop(f, 'INPUT', p, 'deliver', p.dst)
  return input ?? fine({host: f.node, kind: 'deliver', what: p.dst, detail: `local address of ${f.node}${p.dport ? `, ${p.proto}/${p.dport}` : ''}`})
}

/** Pod to pod on one bridge: no routing; FORWARD sees it only when br_netfilter hands bridged frames to iptables. */
function bridgedPath(w: WalkInput, hops: Hop[], f: HostFacts, p: Packet, srcPod: string | undefined): Partial<TraceResult> {
  const nf = f.sysctl['net.bridge.bridge-nf-call-iptables']
  if (nf === '1') {
    const h = forwardHop(f, {...p, oif: bridgeName}, bridgeName)
    hops.push(h)
    if (!h.ok) return {}
  }
  hops.push(fine({host: f.node, kind: 'bridge', what: bridgeName, detail: `bridged to ${p.dst}${nf === '1' ? ' (iptables sees bridged frames)' : ''}`}), ...deliverToPod(w, f, p.dst, srcPod, false))
  return {}
}

/**
 * Follow one packet through the hosts' real state: the source pod's eth0, veth and cni0; the
 * service rules; each host's route, FORWARD and masquerade; VXLAN encapsulation and decapsulation
 * (or the host-gw next hop); the far cni0, veth and pod. Stops at the first broken hop.
 */
export function walk(w: WalkInput): TraceResult {
  const {state, from, to} = w
  const hops: Hop[] = []
  const cluster = state.cluster!
  const proto = protocolOf(to)
  const result = (extra: Partial<TraceResult> = {}): TraceResult => {
    const bad = hops.find((h) => !h.ok)
    return {from: from.text, to: to.text, protocol: proto + (to.port ? `/${to.port}` : ''), hops, ok: !bad, ...(bad ? {broken: {host: bad.host, hop: bad.kind, cause: bad.cause ?? 'broken'}} : {}), ...extra}
  }
  const srcNode = from.kind === 'pod' ? from.pod.node : from.node.name
  let f = w.facts.get(srcNode)
  if (!f) {
    hops.push(broken({host: srcNode, kind: 'host', what: srcNode, detail: ''}, `could not read ${srcNode}`))
    return result()
  }
  const push = (...hs: Hop[]) => {
    hops.push(...hs)
    return hs.some((h) => !h.ok)
  }
  const srcPod = from.kind === 'pod' ? `${from.pod.namespace}/${from.pod.name}` : undefined
  let p: Packet = {src: from.ip, dst: to.ip, proto, dport: to.port, ctstate: 'NEW', local: localAddrs(f), iif: from.kind === 'pod' ? bridgeName : undefined}
  const ownNet = parseCidr(state.nodes[srcNode].podCIDR)
  const bridged = from.kind === 'pod' && to.kind !== 'svc' && contains(ownNet, to.ip)
  if (from.kind === 'pod') {
    if (push(podEth0Hop(f, from.pod, to.ip), podVethHop(f, from.pod, 'rx'), bridgeHop(f, gatewayOf(ownNet.text), bridged ? undefined : 'rx'))) return result()
    if (bridged) return result(bridgedPath(w, hops, f, p, srcPod))
  } else {
    const r = lookupRoute(f.routes, to.ip)
    const src = f.addrs.find((a) => a.ifname === r?.dev)?.ip ?? from.ip
    p = {...p, src}
    hops.push(fine({host: f.node, kind: 'node', what: srcNode, detail: `sends from ${src}`}))
  }
  const svc = serviceStep(state, f, p, from.kind === 'pod' ? 'PREROUTING' : 'OUTPUT', to.kind === 'svc', w.endpoint)
  if (svc.hop && push(svc.hop)) return result({candidates: svc.candidates})
  p = svc.packet
  const extra = svc.candidates.length ? {candidates: svc.candidates} : {}
  let forwarding = from.kind === 'pod'
  for (let guard = 0; guard < 6; guard++) {
    if (localAddrs(f).includes(p.dst)) {
      push(deliverLocal(f, {...p, local: localAddrs(f)}))
      return result(extra)
    }
    const r = lookupRoute(f.routes, p.dst)
    if (!r) {
      push(broken({host: f.node, kind: 'route', what: p.dst, detail: 'no route'}, `no route to ${p.dst} on ${f.node}`))
      return result(extra)
    }
    const podNet = contains(parseCidr(cluster.podCIDR), p.dst)
    if (podNet && r.dst === 'default') {
      push(broken({host: f.node, kind: 'route', what: p.dst, detail: `only the default route${r.gateway ? ` via ${r.gateway}` : ''}`}, `no route to the pod network of ${p.dst} on ${f.node}: the peer's /24 route is missing`))
      return result(extra)
    }
    if (forwarding && push(forwardHop(f, p, r.dev))) return result(extra)
    if (!forwarding) {
      const out = filterHop(f, 'OUTPUT', p, 'output', p.dst)
      if (out && push(out)) return result(extra)
    }
    if (r.dev === bridgeName) {
      push(routeHop(f, r, false, 'tx'), ...deliverToPod(w, f, p.dst, srcPod, true))
      return result(extra)
    }
    const masq = masqueraded(f, p, r.dev)
    if (r.dev === VTEP) {
      const enc = vxlanEncapHop(state, f, r, p.dst)
      if (push(routeHop(f, r, masq), enc.hop) || !enc.peer || !enc.outer) return result(extra)
      const pf = w.facts.get(enc.peer.name)
      if (!pf) {
        push(broken({host: enc.peer.name, kind: 'host', what: enc.peer.name, detail: ''}, `could not read ${enc.peer.name}`))
        return result(extra)
      }
      if (push(vxlanDecapHop(pf, state.nodes[f.node], enc.outer))) return result(extra)
      f = pf
      p = {...p, iif: VTEP, local: localAddrs(pf)}
      forwarding = true
      continue
    }
    const hopTo = r.gateway ?? p.dst
    const peer = Object.values(state.nodes).find((n) => n.address === hopTo && n.name !== f!.node)
    if (podNet && !peer) {
      push(broken({host: f.node, kind: 'route', what: p.dst, detail: `${r.dst} via ${hopTo}`}, `the route to ${p.dst} on ${f.node} leads to ${hopTo}, which is no node of the cluster`))
      return result(extra)
    }
    push(routeHop(f, r, masq, 'tx'))
    if (!peer) {
      hops.push(fine({host: f.node, kind: 'exit', what: hopTo, detail: `leaves the cluster by ${r.dev ?? '?'}; the rest of the path is not ours to see`}))
      return result(extra)
    }
    const pf = w.facts.get(peer.name)
    if (!pf) {
      push(broken({host: peer.name, kind: 'host', what: peer.name, detail: ''}, `could not read ${peer.name}`))
      return result(extra)
    }
    f = pf
    p = {...p, iif: state.nodes[peer.name].iface, local: localAddrs(pf), ...(masq ? {src: state.nodes[srcNode].address} : {})}
    forwarding = !localAddrs(pf).includes(p.dst)
  }
  push(broken({host: f.node, kind: 'route', what: p.dst, detail: 'routing loop'}, 'the packet loops between hosts'))
  return result(extra)
}
