import type {Plan} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import {dnsStartPlan, dnsStopPlan, dnsUpdatePlan} from './plan.js'
import {renderDnsRecords} from './records.js'

/**
 * The cluster DNS's part of a node's script: dnsmasq on the node with the records of the state;
 * when only records changed, new files and a SIGHUP (SRV lines are configuration: a restart).
 */
export function dnsPlanner({before, after, leaving}: NodeChange): Plan {
  if (leaving) return dnsStopPlan()
  const cluster = after.cluster
  if (!cluster) return []
  const now = renderDnsRecords(after, cluster.clusterDomain)
  if (!before?.cluster) return dnsStartPlan(cluster, now)
  const old = renderDnsRecords(before, cluster.clusterDomain)
  if (old.hosts === now.hosts && old.srv === now.srv) return []
  return dnsUpdatePlan(cluster, now, old.srv !== now.srv)
}
