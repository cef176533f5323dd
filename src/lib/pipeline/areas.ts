/**
 * The areas that program a node, in the written order their steps run (the reverse when a node
 * leaves): the node's own bridge and forwarding first, its INPUT chain for the peers (ahead of a host firewall), the by-hand namespaces (which only go with a node), then the pod network to the peers, the pods'
 * namespaces, host ports, the service rules, NetworkPolicy's table, cluster DNS, and the ingress controller last (it
 * needs the rest). Each is a pure function from a node's change to that node's steps.
 */
import {basePlanner} from '../node/plan.js'
import {firewallPlanner} from '../firewall/node.js'
import {netnsPlanner} from '../netns/plan.js'
import {overlayPlanner} from '../overlay/node.js'
import {podsPlanner} from '../pod/node.js'
import {hostPortsPlanner} from '../hostport/plan.js'
import {servicesPlanner} from '../svc/sync.js'
import {netpolPlanner} from '../netpol/plan.js'
import {dnsPlanner} from '../dns/node.js'
import {ingressPlanner} from '../ingress/node.js'
import type {AreaPlanner} from './types.js'

export const AREAS: readonly AreaPlanner[] = [
  {area: 'base', plan: basePlanner},
  {area: 'firewall', plan: firewallPlanner},
  {area: 'netns', plan: netnsPlanner},
  {area: 'overlay', plan: overlayPlanner},
  {area: 'pods', plan: podsPlanner},
  {area: 'hostports', plan: hostPortsPlanner},
  {area: 'services', plan: servicesPlanner},
  {area: 'netpol', plan: netpolPlanner},
  {area: 'dns', plan: dnsPlanner},
  {area: 'ingress', plan: ingressPlanner},
]
