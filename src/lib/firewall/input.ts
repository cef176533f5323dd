/**
 * mk8s's own INPUT chain, so that a host firewall that drops what it does not know (ufw's default
 * deny incoming, a DROP policy on INPUT) lets in what the pod network needs and nothing more:
 * VXLAN (udp/8472) from the other nodes' underlay addresses only, and pods reaching their own
 * node (cluster DNS on the node, host-network daemons). The chain is jumped to from the top of
 * INPUT; no rule of anyone else's is changed or removed.
 */
import {step, type Plan} from '../host/plan.js'
import type {Cluster, NodeRecord} from '../state/schema.js'

export const INPUT_CHAIN = 'MK8S-INPUT'
export const VXLAN_PORT = 8472

/** `iptables-restore --noflush` input: declaring the chain flushes it, so it holds exactly these rules. */
export function inputRules(cluster: Pick<Cluster, 'podCIDR' | 'backend'>, node: Pick<NodeRecord, 'name'>, nodes: ReadonlyArray<Pick<NodeRecord, 'name' | 'address'>>): string {
  const c = (text: string) => `-m comment --comment "${text}"`
  const lines = ['*filter', `:${INPUT_CHAIN} - [0:0]`, `-A ${INPUT_CHAIN} -s ${cluster.podCIDR} ${c('mk8s: pods reach their node')} -j ACCEPT`]
  if (cluster.backend === 'vxlan') {
    for (const p of [...nodes].filter((n) => n.name !== node.name).sort((a, b) => a.name.localeCompare(b.name, 'en', {numeric: true}))) {
      lines.push(`-A ${INPUT_CHAIN} -s ${p.address}/32 -p udp -m udp --dport ${VXLAN_PORT} ${c(`mk8s: vxlan from ${p.name}`)} -j ACCEPT`)
    }
  }
  lines.push('COMMIT', '')
  return lines.join('\n')
}

const ipt = (...args: string[]) => ['iptables', '-w', '-t', 'filter', ...args]

/** The chain (one restore) and its jump, ensured first in INPUT. */
export function inputPlan(cluster: Pick<Cluster, 'podCIDR' | 'backend'>, node: Pick<NodeRecord, 'name'>, nodes: ReadonlyArray<Pick<NodeRecord, 'name' | 'address'>>): Plan {
  return [
    step(['iptables-restore', '-w', '--noflush'], {stdin: inputRules(cluster, node, nodes)}),
    // first in INPUT: a jump that another firewall put above it (ufw enable) is moved back to the top
    step(['sh', '-c', 'n=$(iptables -w -t filter -L INPUT --line-numbers -n | awk -v c="$1" \'$2==c {print $1; exit}\'); [ "$n" = 1 ] && exit 0; [ -n "$n" ] && iptables -w -t filter -D INPUT -j "$1"; iptables -w -t filter -I INPUT 1 -j "$1"', 'sh', INPUT_CHAIN]),
  ]
}

/** Remove the jump, then the chain. */
export const inputRemovePlan = (): Plan => [
  step(ipt('-D', 'INPUT', '-j', INPUT_CHAIN), {onlyIf: ipt('-C', 'INPUT', '-j', INPUT_CHAIN)}),
  step(ipt('-F', INPUT_CHAIN), {onlyIf: ipt('-S', INPUT_CHAIN)}),
  step(ipt('-X', INPUT_CHAIN), {onlyIf: ipt('-S', INPUT_CHAIN)}),
]
