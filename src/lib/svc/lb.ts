import {InputError} from '../errors.js'
import {step, type Plan} from '../host/plan.js'
import type {NodeRecord, State} from '../state/schema.js'
import {cidrSize, ipToNum, nthAddress, numToIp, parseCidr} from '../util/cidr.js'

/**
 * LoadBalancer addresses sit on `lo` of the node that announces them, under their own label (the
 * kernels of this project's machines have no dummy device): mk8s flushes only that label.
 */
export const LB_DEVICE = 'lo'
export const LB_LABEL = 'lo:mk8s-lb'

/**
 * The LoadBalancer pool: `cluster init --lb-pool`, else the last /28 of the first node's underlay
 * network (192.168.56.240/28 for a node at 192.168.56.11/24). Node records may carry `prefix`;
 * without it a /24 is assumed.
 */
export function lbPool(state: State, first?: NodeRecord): string {
  if (state.cluster?.lbPool) return state.cluster.lbPool
  if (!first) throw new InputError('a LoadBalancer needs a node to take its address pool from', "join a node first, or give the pool with 'cluster init --lb-pool CIDR'")
  const prefix = (first as NodeRecord & {prefix?: number}).prefix ?? 24
  const size = 2 ** (32 - prefix)
  const net = ipToNum(first.address) - (ipToNum(first.address) % size)
  const bits = Math.max(prefix, 28)
  return `${numToIp(net + size - 2 ** (32 - bits))}/${bits}`
}

/** The lowest free address of the pool (not its network or broadcast address, not a node's). */
export function allocateLbIP(state: State, pool: string): string {
  const c = parseCidr(pool, 'LoadBalancer pool')
  const taken = new Set([
    ...Object.values(state.services).map((s) => s.loadBalancerIP),
    ...Object.values(state.nodes).map((n) => n.address),
  ])
  const n = cidrSize(c)
  const [from, to] = c.bits <= 30 ? [1, n - 2] : [0, n - 1]
  for (let i = from; i <= to; i++) if (!taken.has(nthAddress(c, i))) return nthAddress(c, i)
  throw new InputError(`the LoadBalancer pool ${c.text} has no free address left`, "delete a LoadBalancer service, or use a larger pool ('cluster init --lb-pool')")
}

/** LoadBalancer addresses that a node announces in a state (of the services `keys`, or of all). */
export const announcedOn = (state: State, node: string, keys: readonly string[] = Object.keys(state.services)): string[] =>
  keys.map((k) => state.services[k]).filter((s) => s?.type === 'LoadBalancer' && s.announcedBy === node && s.loadBalancerIP).map((s) => s.loadBalancerIP!).sort()

/**
 * Announce addresses from a node: each a /32 on lo. Linux answers ARP on the underlay for any
 * local address (arp_ignore=0), so the machines on the same L2 reach it.
 */
export function lbAnnouncePlan(want: string[], drop: string[], full: boolean): Plan {
  return [
    ...(full ? lbRemovePlan() : []),
    ...want.map((ip) => step(['ip', 'addr', 'replace', `${ip}/32`, 'dev', LB_DEVICE, 'label', LB_LABEL])),
    ...drop.map((ip) => step(['ip', 'addr', 'del', `${ip}/32`, 'dev', LB_DEVICE], {tolerate: true})),
  ]
}

export const lbRemovePlan = (): Plan => [step(['ip', 'addr', 'flush', 'dev', LB_DEVICE, 'label', LB_LABEL])]
