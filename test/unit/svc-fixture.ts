import {PodSpecSchema} from '../../src/lib/pod/spec.js'
import {clusterFromOptions} from '../../src/lib/cluster/service.js'
import {emptyState, type PodRecord, type ServiceRecord, type State} from '../../src/lib/state/schema.js'
import {iptablesFullRestore, JUMPS} from '../../src/lib/svc/iptables.plan.js'
import {serviceFragment} from '../../src/lib/svc/sync.js'
import {parseIptablesSave, type Ruleset} from '../../src/lib/trace/iptables.js'
import {packetFlow} from '../../src/lib/trace/netfilter.js'

const T = '2024-01-01T00:00:00.000Z'

export function node(name: string, n: number) {
  return {name, target: {kind: 'ssh' as const, user: 'root', host: `192.168.56.${10 + n}`, port: 22}, podCIDR: `10.244.${n - 1}.0/24`, iface: 'eth0', address: `192.168.56.${10 + n}`, mtu: 1500, ready: true, joinedAt: T}
}

export function pod(name: string, nodeName: string, ip: string, labels: Record<string, string>, ports: Array<{name?: string; containerPort: number}> = [], phase: PodRecord['phase'] = 'Running'): PodRecord {
  return {namespace: 'default', name, uid: `uid-${name}`, node: nodeName, network: 'pod', ip, labels, spec: PodSpecSchema.parse({containers: [{name: 'c', image: 'mk8s/busybox', ports}]}), phase, containers: [], createdAt: T}
}

export function svc(name: string, clusterIP: string, extra: Partial<ServiceRecord> = {}): ServiceRecord {
  return {namespace: 'default', name, uid: `uid-${name}`, type: 'ClusterIP', clusterIP, ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80}], selector: {app: name}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: T, ...extra}
}

/** A cluster of two nodes, with the pods and services given. */
export function fixture(pods: PodRecord[], services: ServiceRecord[], mode: 'iptables' | 'nftables' = 'iptables'): State {
  const s = emptyState()
  s.cluster = clusterFromOptions({proxyMode: mode}, T)
  s.nodes = {node1: node('node1', 1), node2: node('node2', 2)}
  for (const p of pods) s.pods[`default/${p.name}`] = p
  for (const v of services) s.services[`default/${v.name}`] = v
  return s
}

/** A node's rules as the services planner programs them: its full restore, plus the jumps from the built-in chains (where `iptables -I` puts them). */
export function programmedRules(state: State, node: string): Ruleset {
  let text = iptablesFullRestore(Object.keys(state.services).map((k) => serviceFragment(state, k, node, 'iptables')))
  for (const [table, chain, spec] of [...JUMPS].reverse()) text = text.replace(`*${table}\n`, `*${table}\n-A ${chain} ${spec}\n`)
  return parseIptablesSave(text)
}

/** A first packet (ctstate NEW) walked through those rules by trace's reader: each outcome as verdict, DNAT and masquerade, sorted. */
export function flowOn(state: State, node: string, local: string[], p: {src: string; dst: string; proto: 'tcp' | 'udp'; dport: number; hook: 'PREROUTING' | 'OUTPUT'}) {
  return packetFlow(programmedRules(state, node), {src: p.src, dst: p.dst, proto: p.proto, dport: p.dport, ctstate: 'NEW', local}, p.hook)
    .map((o) => ({verdict: o.verdict, masq: o.masquerade, ...(o.dnat ? {dnat: o.dnat} : {})}))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
}
