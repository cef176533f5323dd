import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {parseIptablesSave, splitArgs} from '../../src/lib/trace/iptables.js'
import {packetFlow, walkChain, type Packet} from '../../src/lib/trace/netfilter.js'
import {nftServiceBranches, parseNft} from '../../src/lib/trace/nft.js'
import {chains} from './host-fixtures.js'

/** node1's rules as iptables-save -c writes them: kube-proxy's chains and mk8s's own, from the planners (scripts/fixtures.ts). */
const TEXT = readFileSync(new URL('fixtures/node1.iptables-save', import.meta.url), 'utf8')
const rs = parseIptablesSave(TEXT)
const NODE1 = ['192.168.56.11', '10.244.0.1', '10.244.0.0']
const THIRD = 1 / 3

type Expect = Array<{verdict: string; dnat?: string; probability: number; masquerade: boolean}>
const each = (masquerade: boolean): Expect => ['10.244.0.5:8080', '10.244.1.5:8080', '10.244.2.5:8080'].map((dnat) => ({verdict: 'ACCEPT', dnat, probability: THIRD, masquerade}))
const pkt = (src: string, dst: string, proto: Packet['proto'], dport?: number): Packet => ({src, dst, proto, dport, ctstate: 'NEW', local: NODE1})

/** kube-proxy's runPacketFlowTests: source, destination, port -> backends or REJECT/DROP, masqueraded or not. */
const cases: Array<[string, Packet, 'PREROUTING' | 'OUTPUT', Expect]> = [
  ['pod to ClusterIP: every endpoint, a third each, source kept', pkt('10.244.0.9', '10.96.0.20', 'tcp', 80), 'PREROUTING', each(false)],
  ['node to ClusterIP: every endpoint, masqueraded', pkt('192.168.56.11', '10.96.0.20', 'tcp', 80), 'OUTPUT', each(true)],
  ['pod to its own service: hairpin masqueraded, the others not', pkt('10.244.0.5', '10.96.0.20', 'tcp', 80), 'PREROUTING', [
    {verdict: 'ACCEPT', dnat: '10.244.0.5:8080', probability: THIRD, masquerade: true},
    {verdict: 'ACCEPT', dnat: '10.244.1.5:8080', probability: THIRD, masquerade: false},
    {verdict: 'ACCEPT', dnat: '10.244.2.5:8080', probability: THIRD, masquerade: false},
  ]],
  ['wrong port: untouched', pkt('10.244.0.9', '10.96.0.20', 'tcp', 81), 'PREROUTING', [{verdict: 'ACCEPT', probability: 1, masquerade: false}]],
  ['UDP to a TCP service port: untouched', pkt('10.244.0.9', '10.96.0.20', 'udp', 80), 'PREROUTING', [{verdict: 'ACCEPT', probability: 1, masquerade: false}]],
  ['outside to a NodePort: every endpoint, masqueraded', pkt('192.168.56.1', '192.168.56.11', 'tcp', 30080), 'PREROUTING', each(true)],
  ['no endpoints, ClusterIP from a pod: REJECT', pkt('10.244.0.9', '10.96.0.30', 'tcp', 80), 'PREROUTING', [{verdict: 'REJECT', probability: 1, masquerade: false}]],
  ['no endpoints, ClusterIP from the node: REJECT', pkt('192.168.56.11', '10.96.0.30', 'tcp', 80), 'OUTPUT', [{verdict: 'REJECT', probability: 1, masquerade: false}]],
  ['no endpoints, NodePort from outside: REJECT', pkt('192.168.56.1', '192.168.56.11', 'tcp', 30001), 'PREROUTING', [{verdict: 'REJECT', probability: 1, masquerade: false}]],
  ['UDP DNS from a pod: its one endpoint', pkt('10.244.0.9', '10.96.0.10', 'udp', 53), 'PREROUTING', [{verdict: 'ACCEPT', dnat: '10.244.1.7:53', probability: 1, masquerade: false}]],
  ['pod to pod on another node: forwarded, address kept', pkt('10.244.0.9', '10.244.1.5', 'tcp', 8080), 'PREROUTING', [{verdict: 'ACCEPT', probability: 1, masquerade: false}]],
  ['pod leaving the pod network: masqueraded', pkt('10.244.0.9', '192.168.56.1', 'tcp', 22), 'PREROUTING', [{verdict: 'ACCEPT', probability: 1, masquerade: true}]],
  ['VXLAN from a blocked address: DROP', pkt('192.168.56.66', '192.168.56.11', 'udp', 8472), 'PREROUTING', [{verdict: 'DROP', probability: 1, masquerade: false}]],
  ['VXLAN from a peer: let in', pkt('192.168.56.12', '192.168.56.11', 'udp', 8472), 'PREROUTING', [{verdict: 'ACCEPT', probability: 1, masquerade: false}]],
]

const sorted = (o: Expect) => [...o].sort((a, b) => `${a.verdict}${a.dnat}`.localeCompare(`${b.verdict}${b.dnat}`))

describe('packet flows through kube-proxy-style rules (iptables-save -c text)', () => {
  it.each(cases)('%s', (_name, p, hook, expected) => {
    const got = sorted(packetFlow(rs, p, hook))
    const want = sorted(expected)
    expect(got.map(({probability, ...o}) => o)).toEqual(want.map(({probability, ...o}) => o))
    got.forEach((g, i) => expect(g.probability).toBeCloseTo(want[i].probability, 6))
  })

  it('FORWARD policy DROP without the jump to MK8S-FORWARD: pod to pod is dropped by the policy', () => {
    const broken = parseIptablesSave(TEXT.replace(/^.*-A FORWARD -j MK8S-FORWARD\n/m, ''))
    expect(packetFlow(broken, pkt('10.244.0.9', '10.244.1.5', 'tcp', 8080), 'PREROUTING')).toEqual([{verdict: 'DROP', probability: 1, masquerade: false}])
    const [b] = walkChain(broken, 'filter', 'FORWARD', pkt('10.244.0.9', '10.244.1.5', 'tcp', 8080))
    expect(b.policy).toBe(true)
  })
})

describe('iptables-save reader', () => {
  it('chains with policies and counters, rules with counters and positions', () => {
    const svc = chains.svc('default', 'web', 'TCP', 'http')
    const counted = parseIptablesSave(TEXT.replace(':FORWARD DROP [0:0]', ':FORWARD DROP [7:420]').replace(`[0:0] -A ${svc} -m comment --comment "default/web:http -> 10.244.0.5:8080"`, `[4:240] -A ${svc} -m comment --comment "default/web:http -> 10.244.0.5:8080"`))
    expect(counted.filter.FORWARD.policy).toBe('DROP')
    expect(counted.filter.FORWARD.counters).toEqual({packets: 7, bytes: 420})
    expect(counted.nat[svc].rules[1]).toMatchObject({num: 2, counters: {packets: 4, bytes: 240}})
    expect(rs.nat['KUBE-MARK-MASQ'].policy).toBeUndefined()
  })
  it('splits quoted comments like a shell', () => {
    expect(splitArgs('-A X -m comment --comment "a \\"b\\" c" -j ACCEPT')).toEqual(['-A', 'X', '-m', 'comment', '--comment', 'a "b" c', '-j', 'ACCEPT'])
  })
  it('the KUBE-SVC chain and its endpoints with the chances kube-proxy wrote', () => {
    const b = walkChain(rs, 'nat', 'PREROUTING', pkt('10.244.0.9', '10.96.0.20', 'tcp', 80))
    expect(b.map((x) => [x.dnat, x.rules.map((r) => r.chain).join(' > ')])).toEqual([
      ...['10.244.0.5:8080', '10.244.1.5:8080', '10.244.2.5:8080'].map((ep) => [ep, `PREROUTING > KUBE-SERVICES > ${chains.svc('default', 'web', 'TCP', 'http')} > ${chains.sep('default', 'web', 'TCP', 'http', ep)}`]),
    ])
  })
})

/** The same questions of the nftables mode, against `nft list table ip mk8s` as nft printed the planner's table. */
describe('packet flows through the nftables service table', () => {
  const t = parseNft(readFileSync(new URL('fixtures/node1.nft', import.meta.url), 'utf8'))
  const flow = (src: string, dst: string, dport: number, proto = 'tcp') =>
    nftServiceBranches(t, {src, dst, proto, dport, local: NODE1}).map((b) => [b.verdict, b.dnat, Math.round(b.probability * 100) / 100, b.masquerade])
  const cases: Array<[string, string, string, number, unknown[]]> = [
    ['pod to ClusterIP: both endpoints, half each, source kept', '10.244.0.9', '10.96.0.20', 80, [['DNAT', '10.244.0.5:8080', 0.5, false], ['DNAT', '10.244.1.5:8080', 0.5, false]]],
    ['node to ClusterIP: masqueraded', '192.168.56.11', '10.96.0.20', 80, [['DNAT', '10.244.0.5:8080', 0.5, true], ['DNAT', '10.244.1.5:8080', 0.5, true]]],
    ['pod to its own service: hairpin masqueraded', '10.244.0.5', '10.96.0.20', 80, [['DNAT', '10.244.0.5:8080', 0.5, true], ['DNAT', '10.244.1.5:8080', 0.5, false]]],
    ['outside to a NodePort: masqueraded', '192.168.56.1', '192.168.56.11', 30080, [['DNAT', '10.244.0.5:8080', 0.5, true], ['DNAT', '10.244.1.5:8080', 0.5, true]]],
    ['no endpoints: REJECT', '10.244.0.9', '10.96.0.30', 80, [['REJECT', undefined, 1, false]]],
    ['wrong port: no service', '10.244.0.9', '10.96.0.20', 81, []],
  ]
  it.each(cases)('%s', (_n, src, dst, port, expected) => {
    expect(flow(src, dst, port)).toEqual(expected)
  })
})
