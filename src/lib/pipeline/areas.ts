/**
 * The areas that program a node, in the written order their steps run (the reverse when a node
 * leaves): the node's own bridge and forwarding first, its INPUT chain for the peers (ahead of a host firewall), the by-hand namespaces (which only go with a node), then the pod network to the peers, the pods'
 * namespaces, host ports, the service rules, NetworkPolicy's table, cluster DNS, and the ingress controller last (it
 * needs the rest). Each is a pure function from a node's change to that node's steps, and says
 * what brings it back when the node boots (its whole plan, unless it keeps its large part on disk).
 */
import {basePlanner} from '../node/plan.js'
import {firewallPlanner} from '../firewall/node.js'
import {netnsPlanner} from '../netns/plan.js'
import {overlayPlanner} from '../overlay/node.js'
import {podsBootPlan, podsPlanner} from '../pod/node.js'
import {hostPortsPlanner} from '../hostport/plan.js'
import {servicesBootPlan, servicesPlanner} from '../svc/sync.js'
import {netpolBootPlan, netpolPlanner} from '../netpol/plan.js'
import {dnsBootPlan} from '../dns/plan.js'
import {dnsPlanner} from '../dns/node.js'
import {ingressPlanner} from '../ingress/node.js'
import type {AreaPlanner} from './types.js'

export const AREAS: readonly AreaPlanner[] = [
  {area: 'base', plan: basePlanner},
  {area: 'firewall', plan: firewallPlanner},
  {area: 'netns', plan: netnsPlanner},
  {area: 'overlay', plan: overlayPlanner},
  {area: 'pods', plan: podsPlanner, boot: podsBootPlan},
  {area: 'hostports', plan: hostPortsPlanner},
  {area: 'services', plan: servicesPlanner, boot: servicesBootPlan},
  {area: 'netpol', plan: netpolPlanner, boot: (s) => (s.cluster ? netpolBootPlan() : [])},
  {area: 'dns', plan: dnsPlanner, boot: (s) => (s.cluster ? dnsBootPlan(s.cluster) : [])},
  {area: 'ingress', plan: ingressPlanner},
]
