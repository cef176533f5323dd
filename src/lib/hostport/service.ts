import type {Ctx} from '../context.js'
import {hostOf, sortedNodes} from '../cluster/hosts.js'
import type {NodeRecord, State} from '../state/schema.js'
import {hostPortPlan, hostPortRemovePlan, hostPortRestore, hostPortsOf} from './plan.js'

/**
 * After pods changed: rewrite the host-port chain on the nodes whose mappings changed (ip
 * driver; with the cni driver the portmap plugin does it per pod). One round trip per such node.
 */
export async function syncHostPorts(ctx: Ctx, before: State, after: State): Promise<void> {
  if (after.cluster?.driver !== 'ip') return
  const changed = sortedNodes(after).filter((n) => hostPortRestore(hostPortsOf(before, n.name)) !== hostPortRestore(hostPortsOf(after, n.name)))
  await ctx.exec.applyAll(changed.map((n) => [hostOf(n), hostPortPlan(hostPortsOf(after, n.name))] as const))
}

/**
 * join again, and a node that answers again: its host-port chain rewritten from the state (it may
 * have lost its rules in a reboot). A node with no host ports in the state costs no round trip.
 */
export async function hostPortsOnJoin(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  const maps = hostPortsOf(state, node.name)
  if (state.cluster?.driver !== 'ip' || maps.length === 0) return
  await ctx.exec.apply(hostOf(node), hostPortPlan(maps))
}

export async function hostPortsForgetNode(ctx: Ctx, _state: State, node: NodeRecord): Promise<void> {
  await ctx.exec.apply(hostOf(node), hostPortRemovePlan())
}
