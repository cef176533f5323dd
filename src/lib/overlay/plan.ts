/**
 * The cross-node pod network, as flannel does it. VXLAN: each node has one VTEP `flannel.1`
 * holding `<its /24>.0/32`; for every other node it has exactly one route (`<peer /24> via
 * <peer .0> onlink`), one permanent ARP entry (`<peer .0>` -> the peer's VTEP MAC) and one FDB
 * entry (that MAC -> the peer's underlay address), so the kernel never floods or learns. host-gw:
 * one route per peer via the peer's underlay address, which must be on the same L2 network.
 * The VTEP MAC is computed from the node's pod subnet, so peers know it without asking.
 */
import {DEFAULTS} from '../cluster/defaults.js'
import {InputError} from '../errors.js'
import {step, type Plan} from '../host/plan.js'
import type {Cluster, NodeRecord} from '../state/schema.js'
import {contains, nthAddress, numToIp, ipToNum, parseCidr} from '../util/cidr.js'
import {shortHash} from '../util/ifname.js'

export const VXLAN = {device: 'flannel.1', vni: 1, port: 8472, overhead: 50} as const

type Node = Pick<NodeRecord, 'name' | 'podCIDR' | 'iface' | 'address' | 'mtu' | 'prefix'>

/** A node's VTEP MAC: locally administered, unicast (0e:...), from its pod subnet. */
export const vtepMac = (podCIDR: string): string => `0e:${shortHash(`vtep/${podCIDR}`, 10).match(/../g)!.join(':')}`

/** The node's VTEP address: .0 of its /24, as flannel gives it. */
export const vtepAddress = (podCIDR: string): string => nthAddress(parseCidr(podCIDR), 0)

/** MTU of cni0 and of the pods' eth0: VXLAN takes 50 bytes of the underlay's. */
export const podMtu = (cluster: Pick<Cluster, 'backend'>, node: Pick<NodeRecord, 'mtu'>): number =>
  cluster.backend === 'vxlan' ? node.mtu - VXLAN.overhead : node.mtu

/** Recreate the device when its settings differ (given as substrings of `ip -d -j link show`). */
const RECONCILE = `d=$(ip -d -j link show "$1" 2>/dev/null) || exit 0
dev=$1; shift
for w in "$@"; do case "$d" in *"$w"*) ;; *) echo "$dev differs ($w): recreating it" >&2; exec ip link del "$dev" ;; esac; done`

/** flannel.1 on the node itself: reconciled, addressed, up. */
export function vxlanDevicePlan(node: Node): Plan {
  const dev = VXLAN.device
  const mtu = node.mtu - VXLAN.overhead
  const mac = vtepMac(node.podCIDR)
  const want = [`"mtu":${mtu},`, `"address":"${mac}"`, '"info_kind":"vxlan"', `"id":${VXLAN.vni},`, `"local":"${node.address}"`, `"link":"${node.iface}"`, `"port":${VXLAN.port},`, '"learning":false']
  return [
    step(['sh', '-c', RECONCILE, 'sh', dev, ...want]),
    step(
      ['ip', 'link', 'add', dev, 'address', mac, 'mtu', String(mtu), 'type', 'vxlan', 'id', String(VXLAN.vni),
        'local', node.address, 'dev', node.iface, 'dstport', String(VXLAN.port), 'nolearning'],
      {unless: ['ip', 'link', 'show', dev]},
    ),
    step(['ip', 'addr', 'replace', `${vtepAddress(node.podCIDR)}/32`, 'dev', dev]),
    step(['ip', 'link', 'set', dev, 'up']),
  ]
}

/** What `node` needs to reach `peer`'s pods. */
export function peerPlan(cluster: Pick<Cluster, 'backend'>, node: Node, peer: Node): Plan {
  if (cluster.backend === 'host-gw') return [step(['ip', 'route', 'replace', peer.podCIDR, 'via', peer.address, 'dev', node.iface])]
  const dev = VXLAN.device
  const gw = vtepAddress(peer.podCIDR)
  const mac = vtepMac(peer.podCIDR)
  return [
    step(['ip', 'route', 'replace', peer.podCIDR, 'via', gw, 'dev', dev, 'onlink']),
    step(['ip', 'neigh', 'replace', gw, 'lladdr', mac, 'dev', dev, 'nud', 'permanent']),
    step(['bridge', 'fdb', 'replace', mac, 'dev', dev, 'dst', peer.address]),
  ]
}

/** What `node` drops when `peer` leaves (whatever the backend: a route is a route). */
export function peerRemovePlan(peer: Node): Plan {
  const dev = VXLAN.device
  const hasDev = ['ip', 'link', 'show', dev]
  return [
    step(['ip', 'route', 'del', peer.podCIDR], {tolerate: true}),
    step(['ip', 'neigh', 'del', vtepAddress(peer.podCIDR), 'dev', dev], {onlyIf: hasDev, tolerate: true}),
    step(['bridge', 'fdb', 'del', vtepMac(peer.podCIDR), 'dev', dev], {onlyIf: hasDev, tolerate: true}),
  ]
}

/** The node's own part: its device (or none for host-gw), and cni0's MTU following the backend. */
export function nodeOverlayPlan(cluster: Pick<Cluster, 'backend'>, node: Node): Plan {
  const own = cluster.backend === 'vxlan'
    ? vxlanDevicePlan(node)
    : [step(['ip', 'link', 'del', VXLAN.device], {onlyIf: ['ip', 'link', 'show', VXLAN.device]})]
  return [...own, step(['ip', 'link', 'set', DEFAULTS.bridge, 'mtu', String(podMtu(cluster, node))])]
}

/** What the leaving node loses: its VTEP (with everything on it) and its host-gw routes. */
export function nodeOverlayRemovePlan(peers: Node[]): Plan {
  return [
    step(['ip', 'link', 'del', VXLAN.device], {onlyIf: ['ip', 'link', 'show', VXLAN.device]}),
    ...peers.map((p) => step(['ip', 'route', 'del', p.podCIDR], {tolerate: true})),
  ]
}

/** The underlay network of a node, when its prefix length is known. */
function underlayNet(n: Node): string | undefined {
  if (n.prefix === undefined) return undefined
  const size = 2 ** (32 - n.prefix)
  const a = ipToNum(n.address)
  return `${numToIp(a - (a % size))}/${n.prefix}`
}

/** host-gw needs every peer on the node's L2 network: refuse before any host is touched. */
export function checkHostGw(cluster: Pick<Cluster, 'backend'>, node: Node, peers: Node[]): void {
  if (cluster.backend !== 'host-gw') return
  for (const p of peers) {
    const nets = [underlayNet(node), underlayNet(p)].filter((n): n is string => n !== undefined)
    const apart = nets.some((net) => !contains(parseCidr(net), node.address) || !contains(parseCidr(net), p.address))
    if (apart) {
      throw new InputError(
        `host-gw needs all nodes on one L2 network: node ${node.name} (${node.address}/${node.prefix ?? '?'}) and node ${p.name} (${p.address}/${p.prefix ?? '?'}) are not`,
        'give the node an address on the same network (--address/--iface), or use the vxlan backend (cluster reset, then cluster init --backend vxlan)',
      )
    }
  }
}
