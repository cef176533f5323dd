import type {Ctx} from '../context.js'
import {hostOf, requireCluster, sortedNodes} from '../cluster/hosts.js'
import type {Host} from '../host/host.js'
import type {Plan} from '../host/plan.js'
import type {NodeRecord, State} from '../state/schema.js'
import {egressPlan, egressRemovePlan} from './egress.js'
import {checkHostGw, nodeOverlayPlan, nodeOverlayRemovePlan, peerPlan, peerRemovePlan} from './plan.js'

const peersOf = (state: State, node: NodeRecord): NodeRecord[] => sortedNodes(state).filter((n) => n.name !== node.name)

/** Before a node joins (nothing touched yet): host-gw refuses a node off the others' L2 network. */
export function overlayCheckJoin(state: State, node: NodeRecord): void {
  checkHostGw(requireCluster(state), node, peersOf(state, node))
}

/**
 * A node joined: it gets its device, one set of entries per peer and the egress chains; every
 * peer gets the entries for it. All nodes at once, one round trip each.
 */
export async function overlayJoin(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  const cluster = requireCluster(state)
  const peers = peersOf(state, node)
  checkHostGw(cluster, node, peers)
  ctx.progress(`node ${node.name}: ${cluster.backend} overlay to ${peers.length} peer(s)`)
  const own: Plan = [...nodeOverlayPlan(cluster, node), ...peers.flatMap((p) => peerPlan(cluster, node, p)), ...egressPlan(cluster)]
  const plans: Array<[Host, Plan]> = [[hostOf(node), own], ...peers.map((p): [Host, Plan] => [hostOf(p), peerPlan(cluster, p, node)])]
  await ctx.exec.applyAll(plans)
}

/** A node leaves: the others drop its entries; it loses its device, its routes and mk8s's chains. */
export async function overlayLeave(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  const peers = peersOf(state, node)
  const plans: Array<[Host, Plan]> = [
    [hostOf(node), [...nodeOverlayRemovePlan(peers), ...egressRemovePlan()]],
    ...peers.map((p): [Host, Plan] => [hostOf(p), peerRemovePlan(node)]),
  ]
  await ctx.exec.applyAll(plans)
}
