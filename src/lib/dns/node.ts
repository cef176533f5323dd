import type {Plan} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import {dnsStartPlan, dnsStopPlan, dnsUpdatePlan} from './plan.js'
import {renderDnsRecords, touchedDnsRecords} from './records.js'
import {touchedServices} from '../svc/sync.js'

/**
 * The cluster DNS's part of a node's script: dnsmasq on the node with the records of the state;
 * on a change, the hosts files of the Services that changed (and a restart when an SRV record, a
 * CNAME or a namespace's pod records did).
 */
export function dnsPlanner({before, after, leaving, touched}: NodeChange): Plan {
  if (leaving) return dnsStopPlan()
  const cluster = after.cluster
  if (!cluster) return []
  if (!before?.cluster) return dnsStartPlan(cluster, renderDnsRecords(after, cluster))
  if (JSON.stringify(before.cluster) !== JSON.stringify(cluster)) return dnsUpdatePlan(cluster, renderDnsRecords(before, before.cluster), renderDnsRecords(after, cluster))
  // only the records of the services the change touched (the rest are the same in both states)
  const part = touchedDnsRecords(before, after, cluster, touched ?? touchedServices(before, after))
  return dnsUpdatePlan(cluster, part.before, part.after)
}
