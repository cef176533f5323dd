import type {Ctx} from '../context.js'
import {hostOf, requireCluster, sortedNodes} from '../cluster/hosts.js'
import type {NodeRecord, State} from '../state/schema.js'
import {dnsStartPlan, dnsStopPlan, dnsUpdatePlan} from './plan.js'
import {renderDnsRecords} from './records.js'

/** nodeHooks.join: the node-local DNS on the new node, with the records as they are now. */
export async function dnsOnJoin(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  const cluster = requireCluster(state)
  ctx.progress(`node ${node.name}: cluster DNS (dnsmasq) on ${cluster.dnsIP}`)
  await ctx.exec.apply(hostOf(node), dnsStartPlan(cluster, renderDnsRecords(state, cluster.clusterDomain)))
}

/** nodeHooks.leave: dnsmasq, its files and mk8s-dns0 go. */
export async function dnsOnLeave(ctx: Ctx, _state: State, node: NodeRecord): Promise<void> {
  await ctx.exec.apply(hostOf(node), dnsStopPlan())
}

/**
 * nodeHooks.objectsChanged: when the rendered records differ, every node gets the new files in one
 * round trip (all nodes at once) and its dnsmasq re-reads them; no pod is restarted.
 */
export async function dnsOnObjectsChanged(ctx: Ctx, before: State, after: State): Promise<void> {
  const cluster = after.cluster
  if (!cluster) return
  const old = renderDnsRecords(before, cluster.clusterDomain)
  const now = renderDnsRecords(after, cluster.clusterDomain)
  if (old.hosts === now.hosts && old.srv === now.srv) return
  const plan = dnsUpdatePlan(cluster, now, old.srv !== now.srv)
  await ctx.exec.applyAll(sortedNodes(after).map((n) => [hostOf(n), plan] as const))
}
