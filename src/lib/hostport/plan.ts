import {step, type Plan} from '../host/plan.js'
import type {PodRecord, State} from '../state/schema.js'

export const HOSTPORT_CHAIN = 'MK8S-HOSTPORTS'
export const HOSTPORT_MASQ_CHAIN = 'MK8S-HOSTPORTS-MASQ'

export interface HostPortMapping {
  pod: string
  podIP: string
  hostPort: number
  containerPort: number
  protocol: 'TCP' | 'UDP'
}

/** The pods that are wired by mk8s's iptables steps (ip driver) and publish host ports, per node. */
export function hostPortsOf(state: State, node: string): HostPortMapping[] {
  const out: HostPortMapping[] = []
  for (const p of Object.values(state.pods)) {
    if (p.node !== node || !p.ip || p.network !== 'pod' || p.phase !== 'Running') continue
    for (const c of p.spec.containers ?? []) {
      for (const port of c.ports ?? []) {
        if (port.hostPort) out.push({pod: `${p.namespace}/${p.name}`, podIP: p.ip, hostPort: port.hostPort, containerPort: port.containerPort, protocol: port.protocol})
      }
    }
  }
  return out.sort((a, b) => a.hostPort - b.hostPort || a.protocol.localeCompare(b.protocol))
}

/**
 * A node's host-port rules, the way Docker's `-p` and the CNI portmap plugin make them: DNAT in
 * mk8s's own chain, hit from PREROUTING (traffic from outside) and OUTPUT (the node itself) for
 * local addresses; masquerade for a pod reaching itself through its own host port (the reply
 * would otherwise skip the NAT). The whole chain is rewritten at once (declaring a chain in
 * iptables-restore flushes it, even with --noflush); nothing else is touched.
 */
export function hostPortRestore(maps: readonly HostPortMapping[]): string {
  const lines = ['*nat', `:${HOSTPORT_CHAIN} - [0:0]`, `:${HOSTPORT_MASQ_CHAIN} - [0:0]`]
  for (const m of maps) {
    const proto = m.protocol.toLowerCase()
    lines.push(`-A ${HOSTPORT_CHAIN} -p ${proto} -m ${proto} --dport ${m.hostPort} -m comment --comment "${m.pod} hostPort ${m.hostPort}/${m.protocol}" -j DNAT --to-destination ${m.podIP}:${m.containerPort}`)
    lines.push(`-A ${HOSTPORT_MASQ_CHAIN} -s ${m.podIP}/32 -d ${m.podIP}/32 -p ${proto} -m ${proto} --dport ${m.containerPort} -m comment --comment "${m.pod} hairpin" -j MASQUERADE`)
  }
  lines.push('COMMIT', '')
  return lines.join('\n')
}

const jump = (chain: string, from: string, extra: string[] = []) => {
  const rule = ['-t', 'nat', from, ...extra, '-m', 'comment', '--comment', 'mk8s host ports', '-j', chain]
  return step(['iptables', '-w', '-t', 'nat', '-A', ...rule.slice(2)], {unless: ['iptables', '-w', '-t', 'nat', '-C', ...rule.slice(2)]})
}

export function hostPortPlan(maps: readonly HostPortMapping[]): Plan {
  return [
    step(['iptables-restore', '-w', '--noflush'], {stdin: hostPortRestore(maps)}),
    jump(HOSTPORT_CHAIN, 'PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL']),
    jump(HOSTPORT_CHAIN, 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL']),
    jump(HOSTPORT_MASQ_CHAIN, 'POSTROUTING'),
  ]
}

/** What node leave removes: the jumps and both chains. */
export function hostPortRemovePlan(): Plan {
  const del = (chain: string, from: string, extra: string[] = []) => {
    const rule = [from, ...extra, '-m', 'comment', '--comment', 'mk8s host ports', '-j', chain]
    return step(['iptables', '-w', '-t', 'nat', '-D', ...rule], {onlyIf: ['iptables', '-w', '-t', 'nat', '-C', ...rule]})
  }
  return [
    del(HOSTPORT_CHAIN, 'PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL']),
    del(HOSTPORT_CHAIN, 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL']),
    del(HOSTPORT_MASQ_CHAIN, 'POSTROUTING'),
    ...[HOSTPORT_CHAIN, HOSTPORT_MASQ_CHAIN].flatMap((c) => [
      step(['iptables', '-w', '-t', 'nat', '-F', c], {tolerate: true}),
      step(['iptables', '-w', '-t', 'nat', '-X', c], {tolerate: true}),
    ]),
  ]
}

/** Host ports (and host-network ports) that pods already hold on a node: "8080/TCP" -> pod. */
export function takenHostPorts(pods: readonly PodRecord[], node: string): Map<string, string> {
  const taken = new Map<string, string>()
  for (const p of pods) {
    if (p.node !== node) continue
    for (const c of p.spec.containers ?? []) {
      for (const port of c.ports ?? []) {
        const hp = p.network === 'host' ? port.containerPort : port.hostPort
        if (hp) taken.set(`${hp}/${port.protocol}`, `${p.namespace}/${p.name}`)
      }
    }
  }
  return taken
}

/**
 * Host ports' part of a node's script (the ip driver; with the cni driver the portmap plugin keeps
 * them per pod): the whole chain rewritten when the node's mappings changed.
 */
export function hostPortsPlanner({before, after, node, leaving}: import('../pipeline/types.js').NodeChange): Plan {
  const cluster = (leaving ? before : after)?.cluster
  if (cluster?.driver !== 'ip') return []
  if (leaving) return hostPortRemovePlan()
  const maps = hostPortsOf(after, node.name)
  if (!before?.cluster || !before.nodes[node.name]) return maps.length ? hostPortPlan(maps) : []
  return hostPortRestore(hostPortsOf(before, node.name)) === hostPortRestore(maps) ? [] : hostPortPlan(maps)
}
