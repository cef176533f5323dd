import {describe, expect, it} from 'vitest'
import {fixture, flowOn, pod, svc} from './svc-fixture.js'

type Packet = Parameters<typeof flowOn>[3]

/**
 * kube-proxy's runPacketFlowTests, for mk8s's own rules: source, destination, port -> backends or
 * REJECT, masqueraded or not. The rules are walked by trace's reader (src/lib/trace/netfilter.ts),
 * the same one `mk8s trace` uses on a node's iptables-save.
 */
const state = fixture(
  [pod('a', 'node1', '10.244.0.5', {app: 'web'}), pod('b', 'node2', '10.244.1.5', {app: 'web'})],
  [
    svc('web', '10.96.0.2', {type: 'NodePort', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080}]}),
    svc('empty', '10.96.0.3', {selector: {app: 'nothing'}, type: 'NodePort', ports: [{protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30001}]}),
    svc('loc', '10.96.0.4', {selector: {app: 'web'}, type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerIP: '192.168.56.241', announcedBy: 'node1', ports: [{protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30002}]}),
  ],
)
const NODE1 = ['192.168.56.11', '10.244.0.1', '192.168.56.241']
const NODE2 = ['192.168.56.12', '10.244.1.1']
const both = (masq: boolean) => [
  {verdict: 'ACCEPT', masq, dnat: '10.244.0.5:80'},
  {verdict: 'ACCEPT', masq, dnat: '10.244.1.5:80'},
]

const cases: Array<[string, Packet, string[], string, unknown]> = [
  ['pod to ClusterIP: both endpoints, source kept', {src: '10.244.2.9', dst: '10.96.0.2', proto: 'tcp', dport: 80, hook: 'PREROUTING'}, NODE1, 'node1', both(false)],
  ['node to ClusterIP: both endpoints, masqueraded', {src: '192.168.56.11', dst: '10.96.0.2', proto: 'tcp', dport: 80, hook: 'OUTPUT'}, NODE1, 'node1', both(true)],
  ['pod to its own service: hairpin masqueraded', {src: '10.244.0.5', dst: '10.96.0.2', proto: 'tcp', dport: 80, hook: 'PREROUTING'}, NODE1, 'node1', [
    {verdict: 'ACCEPT', masq: false, dnat: '10.244.1.5:80'},
    {verdict: 'ACCEPT', masq: true, dnat: '10.244.0.5:80'},
  ]],
  ['wrong port: untouched', {src: '10.244.2.9', dst: '10.96.0.2', proto: 'tcp', dport: 81, hook: 'PREROUTING'}, NODE1, 'node1', [{verdict: 'ACCEPT', masq: false}]],
  ['UDP to a TCP service: untouched', {src: '10.244.2.9', dst: '10.96.0.2', proto: 'udp', dport: 80, hook: 'PREROUTING'}, NODE1, 'node1', [{verdict: 'ACCEPT', masq: false}]],
  ['outside to NodePort on node2: both endpoints, masqueraded', {src: '192.168.56.1', dst: '192.168.56.12', proto: 'tcp', dport: 30080, hook: 'PREROUTING'}, NODE2, 'node2', both(true)],
  ['no endpoints, ClusterIP from a pod: REJECT', {src: '10.244.2.9', dst: '10.96.0.3', proto: 'tcp', dport: 80, hook: 'PREROUTING'}, NODE1, 'node1', [{verdict: 'REJECT', masq: false}]],
  ['no endpoints, ClusterIP from the node: REJECT', {src: '192.168.56.11', dst: '10.96.0.3', proto: 'tcp', dport: 80, hook: 'OUTPUT'}, NODE1, 'node1', [{verdict: 'REJECT', masq: false}]],
  ['no endpoints, NodePort: REJECT', {src: '192.168.56.1', dst: '192.168.56.11', proto: 'tcp', dport: 30001, hook: 'PREROUTING'}, NODE1, 'node1', [{verdict: 'REJECT', masq: false}]],
  ['Local policy, LoadBalancer address from outside: the local endpoint only, source kept', {src: '192.168.56.1', dst: '192.168.56.241', proto: 'tcp', dport: 80, hook: 'PREROUTING'}, NODE1, 'node1', [{verdict: 'ACCEPT', masq: false, dnat: '10.244.0.5:80'}]],
  ['Local policy, NodePort from outside on node2: its local endpoint', {src: '192.168.56.1', dst: '192.168.56.12', proto: 'tcp', dport: 30002, hook: 'PREROUTING'}, NODE2, 'node2', [{verdict: 'ACCEPT', masq: false, dnat: '10.244.1.5:80'}]],
  ['Local policy, from a pod: every endpoint', {src: '10.244.2.9', dst: '192.168.56.241', proto: 'tcp', dport: 80, hook: 'PREROUTING'}, NODE1, 'node1', both(false)],
]

describe('packet flows through the generated iptables rules', () => {
  it.each(cases)('%s', (_name, packet, local, node, expected) => {
    expect(flowOn(state, node, local, packet)).toEqual(expected)
  })

  it('Local policy on a node without local endpoints: outside traffic dropped', () => {
    const s = structuredClone(state)
    delete s.pods['default/b']
    expect(flowOn(s, 'node2', NODE2, {src: '192.168.56.1', dst: '192.168.56.12', proto: 'tcp', dport: 30002, hook: 'PREROUTING'})).toEqual([{verdict: 'DROP', masq: false}])
  })
})
