import type {PodRecord} from '../state/schema.js'
import {objKey} from '../state/schema.js'
import {bridgeName, link, podHostVeth, type HostFacts} from './facts.js'
import {broken, fine, type Hop} from './model.js'
import {describeRoute, lookupRoute} from './route.js'

const key = (p: PodRecord) => objKey(p.namespace, p.name)

/** The pod's own side: its sandbox, eth0 with its address, and its route towards `dst`. */
export function podEth0Hop(f: HostFacts, pod: PodRecord, dst: string): Hop {
  const base = {host: f.node, kind: 'pod', what: `pod/${pod.name} eth0`}
  const net = f.pods.find((p) => p.key === key(pod))
  if (!net) return broken({...base, detail: `${pod.ip}`}, `the pod's sandbox (pause container) is not running on ${f.node}`)
  const eth0 = net.links.find((l) => l.ifname === 'eth0')
  if (!eth0) return broken({...base, detail: `${pod.ip}`}, 'the pod has no eth0')
  if (!eth0.up) return broken({...base, detail: `${pod.ip}`}, 'eth0 is down in the pod')
  if (!net.addrs.some((a) => a.ifname === 'eth0' && a.ip === pod.ip)) return broken({...base, detail: `mtu ${eth0.mtu}`}, `eth0 does not hold ${pod.ip}`)
  const r = lookupRoute(net.routes, dst)
  if (!r) return broken({...base, detail: `${pod.ip} mtu ${eth0.mtu}`}, `the pod has no route to ${dst}`)
  return fine({...base, detail: `${pod.ip} mtu ${eth0.mtu}, route ${describeRoute(r)}`})
}

/** The host end of the pod's veth: present, up, a port of cni0 (hairpin on when the pod reaches itself). */
export function podVethHop(f: HostFacts, pod: PodRecord, dir: 'rx' | 'tx', needHairpin = false): Hop {
  const v = podHostVeth(f, key(pod), pod.hostVeth)
  const name = v?.ifname ?? pod.hostVeth ?? '?'
  const base = {host: f.node, kind: 'veth', what: name, counters: [{kind: 'link' as const, host: f.node, ifname: name, dir}]}
  if (!v) return broken({...base, detail: `host end of pod/${pod.name}`}, `the pod's veth ${name} is missing on ${f.node}`)
  if (!v.up) return broken({...base, detail: `mtu ${v.mtu}`}, `${name} is down`)
  if (v.master !== bridgeName) return broken({...base, detail: `mtu ${v.mtu}`}, `${name} is not a port of ${bridgeName} (master: ${v.master ?? 'none'})`)
  const port = f.bridgePorts.find((b) => b.ifname === name)
  if (needHairpin && port && !port.hairpin) return broken({...base, detail: `port of ${bridgeName}, hairpin off`}, `hairpin is off on ${name}: a pod cannot reach itself through a service`)
  return fine({...base, detail: `port of ${bridgeName}, mtu ${v.mtu}${port?.hairpin ? ', hairpin on' : ''}`})
}

/** cni0 on a node: present, up, holding the node's gateway address. */
export function bridgeHop(f: HostFacts, gateway: string, dir?: 'rx' | 'tx'): Hop {
  const b = link(f, bridgeName)
  const base = {host: f.node, kind: 'bridge', what: bridgeName, ...(dir ? {counters: [{kind: 'link' as const, host: f.node, ifname: bridgeName, dir}]} : {})}
  if (!b) return broken({...base, detail: ''}, `${bridgeName} is missing on ${f.node}`)
  if (!b.up) return broken({...base, detail: `mtu ${b.mtu}`}, `${bridgeName} is down on ${f.node}`)
  const has = f.addrs.some((a) => a.ifname === bridgeName && a.ip === gateway)
  if (!has) return broken({...base, detail: `mtu ${b.mtu}`}, `${bridgeName} does not hold the gateway ${gateway}`)
  return fine({...base, detail: `${gateway}, mtu ${b.mtu}`})
}
