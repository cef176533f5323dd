/**
 * The firewall area's part of the pipeline: every node's MK8S-INPUT is rewritten when the set of
 * nodes changes; a leaving node loses its chain and the others forget its address. Preflight's
 * firewall check refuses, before anything changes, a host whose firewall would drop pod traffic
 * in a way mk8s cannot work with.
 */
import {sortedNodes} from '../cluster/hosts.js'
import {InputError} from '../errors.js'
import type {Plan} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import type {FirewallVerdict} from './detect.js'
import {inputPlan, inputRemovePlan} from './input.js'

const addresses = (s: import('../state/schema.js').State | undefined) => (s ? sortedNodes(s).map((n) => `${n.name} ${n.address}`).join(',') : '')

/** The firewall's part of a node's script: MK8S-INPUT for the nodes of the cluster, rewritten when they change; gone when the node leaves. */
export function firewallPlanner({before, after, node, leaving}: NodeChange): Plan {
  if (leaving) return inputRemovePlan()
  const cluster = after.cluster
  if (!cluster) return []
  if (before?.cluster && addresses(before) === addresses(after) && before.cluster.backend === cluster.backend) return []
  return inputPlan(cluster, node, sortedNodes(after))
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
