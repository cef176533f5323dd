/**
 * The firewall area's part of the pipeline: every node's MK8S-INPUT is rewritten when the set of
 * nodes changes; a leaving node loses its chain and the others forget its address.
 */
import {sortedNodes} from '../cluster/model.js'
import type {Plan} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
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
