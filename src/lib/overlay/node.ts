import {sortedNodes} from '../cluster/model.js'
import type {Plan} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import type {NodeRecord, State} from '../state/schema.js'
import {egressPlan, egressRemovePlan} from './egress.js'
import {nodeOverlayPlan, nodeOverlayRemovePlan, peerPlan, peerRemovePlan} from './plan.js'

const peersIn = (state: State | undefined, node: string): NodeRecord[] => (state ? sortedNodes(state).filter((n) => n.name !== node) : [])

/** A peer's entries must be rewritten when it moved (another underlay address or interface). */
const samePeer = (a: NodeRecord, b: NodeRecord) => a.address === b.address && a.podCIDR === b.podCIDR && a.iface === b.iface && a.mtu === b.mtu

/**
 * The pod network's part of a node's script, as flannel keeps it: the node's own VTEP (or none for
 * host-gw), one route, ARP and FDB entry per peer, and the egress chains. Whole on join and repair;
 * else only the peers that came, went or moved.
 */
export function overlayPlanner({before, after, node, leaving}: NodeChange): Plan {
  if (leaving) return [...nodeOverlayRemovePlan(peersIn(before, node.name)), ...egressRemovePlan()]
  const cluster = after.cluster
  if (!cluster) return []
  const now = peersIn(after, node.name)
  const was = before?.cluster ? before.nodes[node.name] : undefined
  if (!before?.cluster || !was) return [...nodeOverlayPlan(cluster, node), ...now.flatMap((p) => peerPlan(cluster, node, p)), ...egressPlan(cluster)]
  const old = new Map(peersIn(before, node.name).map((p) => [p.name, p]))
  const plan: Plan = samePeer(was, node) ? [] : nodeOverlayPlan(cluster, node)
  for (const p of now) {
    const o = old.get(p.name)
    if (o && samePeer(o, p) && samePeer(was, node)) continue
    plan.push(...(o && !samePeer(o, p) ? peerRemovePlan(o) : []), ...peerPlan(cluster, node, p))
  }
  for (const [name, o] of old) if (!after.nodes[name]) plan.push(...peerRemovePlan(o))
  return plan
}
