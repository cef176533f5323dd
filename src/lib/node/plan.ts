import {DEFAULTS} from '../cluster/defaults.js'
import {step, type Plan} from '../host/plan.js'
import {nthAddress, parseCidr} from '../util/cidr.js'

/** The node's bridge address: .1 of its /24. */
export const bridgeAddress = (podCIDR: string): string => nthAddress(parseCidr(podCIDR), 1)

/** What every node gets on join: forwarding on, br_netfilter, and the cni0 bridge holding .1. */
export function nodeBasePlan(node: {podCIDR: string}): Plan {
  const prefix = parseCidr(node.podCIDR).bits
  return [
    step(['sysctl', '-qw', 'net.ipv4.ip_forward=1']),
    step(['modprobe', 'br_netfilter'], {tolerate: true}),
    step(['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1']),
    step(['ip', 'link', 'add', DEFAULTS.bridge, 'type', 'bridge'], {unless: ['ip', 'link', 'show', DEFAULTS.bridge]}),
    step(['ip', 'addr', 'replace', `${bridgeAddress(node.podCIDR)}/${prefix}`, 'dev', DEFAULTS.bridge]),
    step(['ip', 'link', 'set', DEFAULTS.bridge, 'up']),
  ]
}

/** What node leave removes from the node itself. */
export const nodeLeavePlan = (): Plan => [step(['ip', 'link', 'del', DEFAULTS.bridge], {onlyIf: ['ip', 'link', 'show', DEFAULTS.bridge]})]

/** The node's own part of its script: forwarding and cni0 on join and repair; cni0 gone when it leaves (last of all). */
export function basePlanner({before, node, leaving}: import('../pipeline/types.js').NodeChange): Plan {
  if (leaving) return nodeLeavePlan()
  return before?.cluster && before.nodes[node.name] ? [] : nodeBasePlan(node)
}
