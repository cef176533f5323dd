import {PodSpecSchema} from '../../src/lib/pod/spec.js'
import {readFileSync} from 'node:fs'
import type {HostFacts, Link} from '../../src/lib/trace/facts.js'
import {parseIptablesSave} from '../../src/lib/trace/iptables.js'
import {emptyState, type PodRecord, type ServiceRecord, type State} from '../../src/lib/state/schema.js'

/** A made-up but realistic cluster of two nodes (node1 10.244.0.0/24, node2 10.244.1.0/24) and what their hosts hold; node1's rules are the planners' own (host-fixtures.ts). */
export const RULES = readFileSync(new URL('fixtures/node1.iptables-save', import.meta.url), 'utf8')
const T = '2024-01-01T00:00:00.000Z'
const mac = (n: number) => `0e:00:00:00:00:0${n}`

export function pod(name: string, node: string, ip: string, labels: Record<string, string> = {}): PodRecord {
  return {namespace: 'default', name, uid: `uid-${name}`, node, ip, network: 'pod', labels, spec: PodSpecSchema.parse({containers: [{name: 'main', image: 'mk8s/busybox'}]}), phase: 'Running', hostVeth: `veth-${name}`, containers: [{name: 'main', image: 'mk8s/busybox'}], createdAt: T}
}

export function clusterState(pods: PodRecord[], services: ServiceRecord[] = []): State {
  const s = emptyState()
  s.cluster = {podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', backend: 'vxlan', proxyMode: 'iptables', driver: 'ip', clusterDomain: 'cluster.local', dnsIP: '10.96.0.10', nodePortRange: [30000, 32767], createdAt: T}
  for (const n of [1, 2]) {
    s.nodes[`node${n}`] = {name: `node${n}`, target: {kind: 'ssh', user: 'root', host: `192.168.56.1${n}`, port: 22}, podCIDR: `10.244.${n - 1}.0/24`, iface: 'eth0', address: `192.168.56.1${n}`, mtu: 1500, ready: true, joinedAt: T}
  }
  for (const p of pods) s.pods[`default/${p.name}`] = p
  for (const v of services) s.services[`default/${v.name}`] = v
  return s
}

export const web = (): ServiceRecord => ({namespace: 'default', name: 'web', uid: 'uid-web', type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080}], selector: {app: 'web'}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: T})

/** The facts of node n (1 or 2) with the given pods on it, as a healthy vxlan node has them. */
export function hostFacts(state: State, n: 1 | 2, rules = RULES): HostFacts {
  const node = `node${n}`
  const peer = n === 1 ? 2 : 1
  const pods = Object.values(state.pods).filter((p) => p.node === node)
  let idx = 10
  const links: Link[] = [
    {ifindex: 2, ifname: 'eth0', mtu: 1500, up: true, mac: `52:54:00:00:00:0${n}`},
    {ifindex: 3, ifname: 'cni0', mtu: 1450, up: true, kind: 'bridge', rx: {packets: 100, bytes: 1}, tx: {packets: 100, bytes: 1}},
    {ifindex: 4, ifname: 'flannel.1', mtu: 1450, up: true, kind: 'vxlan', mac: mac(n), vxlan: {id: 1, local: `192.168.56.1${n}`, port: 8472, dev: 'eth0'}, rx: {packets: 50, bytes: 1}, tx: {packets: 50, bytes: 1}},
    ...pods.map((p): Link => ({ifindex: ++idx, ifname: p.hostVeth!, mtu: 1450, up: true, master: 'cni0', kind: 'veth', peerIndex: 2, rx: {packets: 10, bytes: 1}, tx: {packets: 10, bytes: 1}})),
  ]
  return {
    node,
    addrs: [
      {ifname: 'eth0', ip: `192.168.56.1${n}`, prefix: 24},
      {ifname: 'cni0', ip: `10.244.${n - 1}.1`, prefix: 24},
      {ifname: 'flannel.1', ip: `10.244.${n - 1}.0`, prefix: 32},
    ],
    links,
    routes: [
      {dst: 'default', gateway: '192.168.56.1', dev: 'eth0', onlink: false},
      {dst: `10.244.${n - 1}.0/24`, dev: 'cni0', onlink: false},
      {dst: `10.244.${peer - 1}.0/24`, gateway: `10.244.${peer - 1}.0`, dev: 'flannel.1', onlink: true},
      {dst: '192.168.56.0/24', dev: 'eth0', onlink: false},
    ],
    neigh: [{ip: `10.244.${peer - 1}.0`, mac: mac(peer), state: ['PERMANENT']}],
    fdb: [{mac: mac(peer), dst: `192.168.56.1${peer}`, state: 'permanent'}],
    bridgePorts: pods.map((p) => ({ifname: p.hostVeth!, master: 'cni0', hairpin: true, state: 'forwarding'})),
    sysctl: {'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1'},
    iptables: parseIptablesSave(rules),
    pods: pods.map((p) => ({
      key: `default/${p.name}`, uid: p.uid, pid: 1000,
      links: [{ifindex: 2, ifname: 'eth0', mtu: 1450, up: true, peerIndex: links.find((l) => l.ifname === p.hostVeth)!.ifindex}],
      addrs: [{ifname: 'eth0', ip: p.ip!, prefix: 24}],
      routes: [{dst: 'default', gateway: `10.244.${n - 1}.1`, dev: 'eth0', onlink: false}, {dst: `10.244.${n - 1}.0/24`, dev: 'eth0', onlink: false}],
    })),
    failed: {},
  }
}

export const factsOf = (state: State, rules = RULES) => new Map([['node1', hostFacts(state, 1, rules)], ['node2', hostFacts(state, 2, rules)]])
