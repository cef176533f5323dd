import type {Plan} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import {dnsStartPlan, dnsStopPlan, dnsUpdatePlan} from './plan.js'
import {renderDnsRecords} from './records.js'

/**
 * The cluster DNS's part of a node's script: dnsmasq on the node with the records of the state;
 * on a change, the hosts files of the Services that changed (and a restart when an SRV record, a
 * CNAME or a namespace's pod records did).
 */
export function dnsPlanner({before, after, leaving}: NodeChange): Plan {
  if (leaving) return dnsStopPlan()
  const cluster = after.cluster
  if (!cluster) return []
  const now = renderDnsRecords(after, cluster)
  if (!before?.cluster) return dnsStartPlan(cluster, now)
  return dnsUpdatePlan(cluster, renderDnsRecords(before, before.cluster), now)
}
