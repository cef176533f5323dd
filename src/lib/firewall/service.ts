/**
 * The node hooks of the firewall area: on join every node's MK8S-INPUT is rewritten for the new
 * set of peers; on leave the node loses its chain and the others forget its address. Preflight's
 * firewall check refuses, before anything changes, a host whose firewall would drop pod traffic
 * in a way mk8s cannot work with.
 */
import type {Ctx} from '../context.js'
import {hostOf, requireCluster} from '../cluster/hosts.js'
import {InputError} from '../errors.js'
import type {Host} from '../host/host.js'
import type {Plan} from '../host/plan.js'
import {reachableOnly} from '../node/hooks.js'
import type {NodeRecord, State} from '../state/schema.js'
import type {FirewallVerdict} from './detect.js'
import {inputPlan, inputRemovePlan} from './input.js'

export async function firewallOnJoin(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  const cluster = requireCluster(state)
  const live = reachableOnly(state)
  const nodes = Object.values({...live.nodes, [node.name]: node})
  await ctx.exec.applyAll(nodes.map((n): [Host, Plan] => [hostOf(n), inputPlan(cluster, n, nodes)]))
}

export async function firewallOnLeave(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  const cluster = state.cluster
  const rest = Object.values(reachableOnly(state).nodes).filter((n) => n.name !== node.name)
  const plans: Array<[Host, Plan]> = [[hostOf(node), inputRemovePlan()]]
  if (cluster) for (const n of rest) plans.push([hostOf(n), inputPlan(cluster, n, rest)])
  await ctx.exec.applyAll(plans)
}

/** Refuse (exit 2, nothing changed yet) when a firewall would drop pod traffic and mk8s cannot work with it. */
export function checkFirewalls(node: string, verdicts: readonly FirewallVerdict[]): void {
  const refused = verdicts.filter((v) => v.verdict === 'refused')
  if (!refused.length) return
  throw new InputError(
    `node ${node}'s firewall would drop pod traffic:\n${refused.map((v) => `  - ${v.what}: ${v.effect}`).join('\n')}`,
    `mk8s never changes rules it did not make; as the host's owner:\n${refused.map((v) => `  - ${v.fix}`).join('\n')}`,
  )
}
