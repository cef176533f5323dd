/**
 * Forwarding and egress for the pod network, in mk8s's own chains only (never the user's rules,
 * never kube-proxy's KUBE-*): MK8S-FORWARD accepts pod traffic even when FORWARD's policy is DROP
 * (as a Docker daemon sets it); MK8S-POSTROUTING masquerades pods reaching outside the pod
 * network to the node's address, and leaves pod-to-pod and pod-to-service traffic alone.
 */
import {step, type Plan} from '../host/plan.js'
import type {Cluster} from '../state/schema.js'

export const CHAINS = {forward: 'MK8S-FORWARD', postrouting: 'MK8S-POSTROUTING'} as const

/** Our chains and the built-in chain each is jumped from. */
const JUMPS = [
  {table: 'filter', from: 'FORWARD', chain: CHAINS.forward},
  {table: 'nat', from: 'POSTROUTING', chain: CHAINS.postrouting},
] as const

/**
 * `iptables-restore --noflush` input: declaring a chain flushes it, so the chains always hold
 * exactly these rules, however often they are applied.
 */
export function egressRules(cluster: Pick<Cluster, 'podCIDR' | 'serviceCIDR'>): string {
  const pods = cluster.podCIDR
  const c = (text: string) => `-m comment --comment "${text}"`
  return [
    '*filter',
    `:${CHAINS.forward} - [0:0]`,
    `-A ${CHAINS.forward} -s ${pods} ${c('mk8s: forward traffic from pods')} -j ACCEPT`,
    `-A ${CHAINS.forward} -d ${pods} ${c('mk8s: forward traffic to pods')} -j ACCEPT`,
    'COMMIT',
    '*nat',
    `:${CHAINS.postrouting} - [0:0]`,
    `-A ${CHAINS.postrouting} -s ${pods} -d ${pods} ${c('mk8s: pod to pod keeps its address')} -j RETURN`,
    `-A ${CHAINS.postrouting} -s ${pods} -d ${cluster.serviceCIDR} ${c('mk8s: pod to service is left to the proxy rules')} -j RETURN`,
    `-A ${CHAINS.postrouting} -s ${pods} ! -d ${pods} ${c('mk8s: pods leaving the pod network')} -j MASQUERADE`,
    'COMMIT',
    '',
  ].join('\n')
}

/** The chains (one restore) and the jumps into them, each ensured at the top of its chain. */
export function egressPlan(cluster: Pick<Cluster, 'podCIDR' | 'serviceCIDR'>): Plan {
  return [
    step(['iptables-restore', '-w', '--noflush'], {stdin: egressRules(cluster)}),
    ...JUMPS.map(({table, from, chain}) =>
      step(['iptables', '-w', '-t', table, '-I', from, '1', '-j', chain], {unless: ['iptables', '-w', '-t', table, '-C', from, '-j', chain]})),
  ]
}

/** Remove the jumps, then the chains. */
export function egressRemovePlan(): Plan {
  return JUMPS.flatMap(({table, from, chain}) => {
    const ipt = (...args: string[]) => ['iptables', '-w', '-t', table, ...args]
    return [
      step(ipt('-D', from, '-j', chain), {onlyIf: ipt('-C', from, '-j', chain)}),
      step(ipt('-F', chain), {onlyIf: ipt('-S', chain)}),
      step(ipt('-X', chain), {onlyIf: ipt('-S', chain)}),
    ]
  })
}
