import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {netpolSelectorChecks, netpolTableChecks} from '../../src/lib/doctor/checks/netpol.js'
import {netpolDrift, parseNetpolTable} from '../../src/lib/netpol/observe.js'
import {parseNetpolCounters, policyHop, probePolicyHop, withPolicyHop} from '../../src/lib/trace/hop-policy.js'
import {explain, resolveEnd} from '../../src/lib/netpol/explain.js'
import {netpolFullScript, netpolNodeModel, netpolNodePlan, peerSetName, policyId} from '../../src/lib/netpol/plan.js'
import {matches} from '../../src/lib/netpol/select.js'
import {parseNetpolSpec, toPolicy} from '../../src/lib/netpol/spec.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {ALLOW_A, EGRESS_DENY, npFixture, npod} from './netpol-fixture.js'


const A = policyId('x', 'allow-a')
/** the peer set of allow-a's rule: its two pod peers */
const P = peerSetName('x', toPolicy('x', 'allow-a', parseNetpolSpec(ALLOW_A, 'np')).ingress[0].peers!.filter((p) => p.kind === 'pods'))
const E = policyId('x', 'egress-deny')

describe('NetworkPolicy parsing', () => {
  const bad = (spec: unknown) => {
    try {
      parseNetpolSpec(spec, 'np')
    } catch (error) {
      return (error as Error).message
    }
    return 'accepted'
  }
  it('refuses unknown fields, naming their path', () => {
    expect(bad({podSelector: {}, ingress: [{from: [{podSelector: {matchLables: {a: 'b'}}}]}]})).toBe('np: unknown field "spec.ingress[0].from[0].podSelector.matchLables"')
    expect(bad({podSelector: {}, ingres: []})).toBe('np: unknown field "spec.ingres"')
    expect(() => parseManifests('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, lables: {}}\nspec: {podSelector: {}}\n', 'f.yaml', 'default')).toThrow('metadata.lables: unknown field')
  })
  it('refuses what the API server refuses', () => {
    expect(bad({})).toContain('spec.podSelector')
    expect(bad({podSelector: {}, ingress: [{ports: [{port: 'http', endPort: 90}]}]})).toBe('np: spec.ingress[0].ports[0].endPort needs a numeric port')
    expect(bad({podSelector: {}, ingress: [{ports: [{port: 90, endPort: 80}]}]})).toBe('np: spec.ingress[0].ports[0].endPort 80 is below port 90')
    expect(bad({podSelector: {}, egress: [{to: [{ipBlock: {cidr: '10.0.0.0/8'}, podSelector: {}}]}]})).toContain('ipBlock cannot be combined')
    expect(bad({podSelector: {}, egress: [{to: [{ipBlock: {cidr: '10.0.0.0/8', except: ['11.0.0.0/16']}}]}]})).toContain('must be a strict subset')
    expect(bad({podSelector: {matchExpressions: [{key: 'a', operator: 'In'}]}})).toBe('np: spec.podSelector.matchExpressions[0].values must not be empty for operator In')
    expect(bad({podSelector: {}, ingress: [{ports: [{protocol: 'ICMP'}]}]})).toContain('spec.ingress[0].ports[0].protocol')
  })
  it('defaults policyTypes: Ingress, plus Egress when there are egress rules', () => {
    expect(toPolicy('x', 'p', parseNetpolSpec({podSelector: {}}, 'np')).types).toEqual(['Ingress'])
    expect(toPolicy('x', 'p', parseNetpolSpec({podSelector: {}, egress: [{}]}, 'np')).types).toEqual(['Ingress', 'Egress'])
    expect(toPolicy('x', 'p', parseNetpolSpec({podSelector: {}, egress: []}, 'np')).types).toEqual(['Ingress'])
    expect(toPolicy('x', 'p', parseNetpolSpec({podSelector: {}, policyTypes: ['Egress']}, 'np')).types).toEqual(['Egress'])
  })
  it('matches selectors with labels and expressions', () => {
    expect(matches({}, {})).toBe(true)
    expect(matches({matchLabels: {a: '1'}, matchExpressions: [{key: 'b', operator: 'NotIn', values: ['2']}]}, {a: '1', b: '3'})).toBe(true)
    expect(matches({matchExpressions: [{key: 'b', operator: 'NotIn', values: ['2']}]}, {})).toBe(true)
    expect(matches({matchExpressions: [{key: 'b', operator: 'Exists'}]}, {})).toBe(false)
    expect(matches({matchExpressions: [{key: 'b', operator: 'DoesNotExist'}]}, {b: ''})).toBe(false)
  })
})

describe('netpolNodePlan', () => {
  const s = npFixture({'x/allow-a': ALLOW_A, 'x/egress-deny': EGRESS_DENY})

  it('writes the whole table of a node: sets of local and peer pods, per-policy chains and drop counters', () => {
    expect(netpolFullScript(netpolNodeModel(s, s.nodes.node1))).toBe(`add table inet mk8s-netpol
delete table inet mk8s-netpol
add table inet mk8s-netpol
add set inet mk8s-netpol egress-isolated { type ipv4_addr; }
add set inet mk8s-netpol ingress-isolated { type ipv4_addr; }
add set inet mk8s-netpol ${A}-in0-p0 { type ipv4_addr . inet_service; }
add set inet mk8s-netpol ${A}-pods { type ipv4_addr; }
add set inet mk8s-netpol ${E}-pods { type ipv4_addr; }
add set inet mk8s-netpol ${P} { type ipv4_addr; }
add set inet mk8s-netpol self { type ipv4_addr . ipv4_addr; }
add element inet mk8s-netpol egress-isolated { 10.244.0.2 }
add element inet mk8s-netpol ingress-isolated { 10.244.0.2 }
add element inet mk8s-netpol ${A}-in0-p0 { 10.244.0.2 . 80 }
add element inet mk8s-netpol ${A}-pods { 10.244.0.2 }
add element inet mk8s-netpol ${E}-pods { 10.244.0.2 }
add element inet mk8s-netpol ${P} { 10.244.0.3, 10.244.1.2 }
add element inet mk8s-netpol self { 10.244.0.2 . 10.244.0.2 }
add counter inet mk8s-netpol ${A}-ingress-drops
add counter inet mk8s-netpol ${E}-egress-drops
add chain inet mk8s-netpol ${A}-ingress
add chain inet mk8s-netpol ${E}-egress
add chain inet mk8s-netpol egress
add chain inet mk8s-netpol egress-drops
add chain inet mk8s-netpol ingress
add chain inet mk8s-netpol ingress-drops
add rule inet mk8s-netpol ${A}-ingress ip daddr @${A}-pods ip saddr @${P} meta l4proto tcp ip daddr . th dport @${A}-in0-p0 accept comment "x/allow-a ingress[0]"
add rule inet mk8s-netpol ${A}-ingress ip daddr @${A}-pods ip saddr @${P} meta l4proto udp th dport 80-90 accept comment "x/allow-a ingress[0]"
add rule inet mk8s-netpol ${A}-ingress ip daddr @${A}-pods ip saddr 192.168.56.0/24 ip saddr != { 192.168.56.12/32 } meta l4proto tcp ip daddr . th dport @${A}-in0-p0 accept comment "x/allow-a ingress[0]"
add rule inet mk8s-netpol ${A}-ingress ip daddr @${A}-pods ip saddr 192.168.56.0/24 ip saddr != { 192.168.56.12/32 } meta l4proto udp th dport 80-90 accept comment "x/allow-a ingress[0]"
add rule inet mk8s-netpol egress jump ${E}-egress
add rule inet mk8s-netpol egress-drops ip saddr @${E}-pods counter name "${E}-egress-drops" drop
add rule inet mk8s-netpol ingress jump ${A}-ingress
add rule inet mk8s-netpol ingress-drops ip daddr @${A}-pods counter name "${A}-ingress-drops" drop
add chain inet mk8s-netpol egress-forward { type filter hook forward priority 0; policy accept; }
add rule inet mk8s-netpol egress-forward ct state established,related accept
add rule inet mk8s-netpol egress-forward ip saddr . ip daddr @self accept
add rule inet mk8s-netpol egress-forward ip saddr @egress-isolated jump egress
add rule inet mk8s-netpol egress-forward ip saddr @egress-isolated jump egress-drops
add chain inet mk8s-netpol ingress-forward { type filter hook forward priority 10; policy accept; }
add rule inet mk8s-netpol ingress-forward ct state established,related accept
add rule inet mk8s-netpol ingress-forward ip saddr . ip daddr @self accept
add rule inet mk8s-netpol ingress-forward ip daddr @ingress-isolated jump ingress
add rule inet mk8s-netpol ingress-forward ip daddr @ingress-isolated jump ingress-drops
add chain inet mk8s-netpol egress-input { type filter hook input priority 0; policy accept; }
add rule inet mk8s-netpol egress-input ct state established,related accept
add rule inet mk8s-netpol egress-input ip saddr @egress-isolated jump egress
add rule inet mk8s-netpol egress-input ip saddr @egress-isolated jump egress-drops
`)
  })

  it('a pod relabelled out of a selector and a policy deleted: only those elements, chains and sets', () => {
    const after = structuredClone(s)
    after.pods['x/b'].labels = {pod: 'z'}
    delete after.networkPolicies['x/egress-deny']
    const plan = netpolNodePlan(s, after, s.nodes.node1)
    expect(plan.map((p) => p.argv.join(' '))).toEqual(['nft -f -'])
    expect(plan[0].stdin).toBe(`delete element inet mk8s-netpol egress-isolated { 10.244.0.2 }
delete element inet mk8s-netpol ${P} { 10.244.1.2 }
flush chain inet mk8s-netpol egress
flush chain inet mk8s-netpol egress-drops
flush chain inet mk8s-netpol ${E}-egress
delete chain inet mk8s-netpol ${E}-egress
delete counter inet mk8s-netpol ${E}-egress-drops
delete set inet mk8s-netpol ${E}-pods
`)
  })

  it('a new pod joining selectors with 1000 policies in the cluster is a few set elements', () => {
    const many: Record<string, unknown> = {}
    for (let i = 0; i < 1000; i++) many[`x/p${i}`] = {podSelector: {matchLabels: {pod: `n${i}`}}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}]}]}
    const before = npFixture(many)
    const after = npFixture(many, [npod('x', 'new', 'node2', '10.244.1.9', {pod: 'n7', role: 'client'})])
    const text = netpolNodePlan(before, after, after.nodes.node2)[0].stdin!
    const p7 = policyId('x', 'p7')
    const peers = peerSetName('x', [{kind: 'pods', podSelector: {matchLabels: {role: 'client'}}}])
    // on its own node: isolated, selected by p7, and a peer of every policy's rule: one shared set
    expect(text).toBe(`add element inet mk8s-netpol ingress-isolated { 10.244.1.9 }
add element inet mk8s-netpol ${p7}-pods { 10.244.1.9 }
add element inet mk8s-netpol ${peers} { 10.244.1.9 }
add element inet mk8s-netpol self { 10.244.1.9 . 10.244.1.9 }
`)
  }, 30_000)

  it('a new policy: its set, counter and chain, and one rule appended to each dispatch chain (x/b was already in self: egress-deny isolates it)', () => {
    const after = npFixture({'x/allow-a': ALLOW_A, 'x/egress-deny': EGRESS_DENY, 'x/deny-b': {podSelector: {matchLabels: {pod: 'b'}}}})
    const D = policyId('x', 'deny-b')
    expect(netpolNodePlan(s, after, s.nodes.node2)[0].stdin).toBe(`add set inet mk8s-netpol ${D}-pods { type ipv4_addr; }
add counter inet mk8s-netpol ${D}-ingress-drops
add chain inet mk8s-netpol ${D}-ingress
add element inet mk8s-netpol ingress-isolated { 10.244.1.2 }
add element inet mk8s-netpol ${D}-pods { 10.244.1.2 }
add rule inet mk8s-netpol ingress jump ${D}-ingress
add rule inet mk8s-netpol ingress-drops ip daddr @${D}-pods counter name "${D}-ingress-drops" drop
`)
  })

  it('nothing to do when no policy exists before or after; the whole table on a join', () => {
    const none = npFixture({})
    expect(netpolNodePlan(none, none, none.nodes.node1)).toEqual([])
    expect(netpolNodePlan(undefined, none, none.nodes.node1)[0].stdin).toContain('add chain inet mk8s-netpol ingress-forward')
    const first = netpolNodePlan(none, s, s.nodes.node1)[0].stdin!
    expect(first.startsWith('add table inet mk8s-netpol\ndelete table inet mk8s-netpol\n')).toBe(true)
  })
})

describe('netpol explain', () => {
  const s = npFixture({'x/allow-a': ALLOW_A, 'x/egress-deny': EGRESS_DENY})
  const end = (t: string) => resolveEnd(s, 'x', t)
  it('names the rule that allows, on each side', () => {
    const e = explain(s, end('pod/y/a'), end('pod/a'), 'TCP', 80)
    expect(e.allowed).toBe(true)
    expect(e.egress).toMatchObject({pod: 'y/a', isolatedBy: [], allowed: true})
    expect(e.ingress).toMatchObject({pod: 'x/a', isolatedBy: ['x/allow-a'], allowedBy: 'x/allow-a ingress[0]'})
  })
  it('a named port resolves on the destination pod; a wrong port or peer is dropped, naming the isolating policies', () => {
    expect(explain(s, end('pod/b'), end('pod/a'), 'TCP', 8080).ingress).toMatchObject({allowed: false, reason: 'no rule of x/allow-a allows it: dropped'})
    expect(explain(s, end('pod/b'), end('pod/a'), 'UDP', 85).ingress.allowedBy).toBe('x/allow-a ingress[0]')
    expect(explain(s, end('192.168.56.12'), end('pod/a'), 'TCP', 80).ingress.allowed).toBe(false) // node2 (not a's own node), in the except
    expect(explain(s, end('192.168.56.13'), end('pod/a'), 'TCP', 80).ingress.allowedBy).toBe('x/allow-a ingress[0]')
    expect(explain(s, end('pod/a'), end('pod/b'), 'TCP', 80)).toMatchObject({allowed: false, egress: {isolatedBy: ['x/egress-deny'], allowed: false}})
  })
  it("traffic from the pod's own node passes; a pod reaching itself is not judged", () => {
    const n2 = npFixture({'x/deny': {podSelector: {}}})
    const e = (a: string, b: string) => explain(n2, resolveEnd(n2, 'x', a), resolveEnd(n2, 'x', b), 'TCP', 80)
    expect(e('node/node2', 'pod/b').ingress.reason).toBe("from the pod's own node node2: always allowed")
    expect(e('node/node1', 'pod/b').allowed).toBe(false)
    expect(e('pod/b', 'pod/b').allowed).toBe(true)
  })
  it('the protocol is part of the rule: UDP only allows no TCP on the port, a port without protocol is TCP, a named port resolves per protocol', () => {
    const dnsPod = npod('x', 'dns', 'node1', '10.244.0.9', {app: 'dns'}, [{name: 'dns', containerPort: 53, protocol: 'UDP'}, {name: 'dns', containerPort: 5353}])
    const u = npFixture({'x/udp-only': {podSelector: {matchLabels: {app: 'dns'}}, ingress: [{ports: [{protocol: 'UDP', port: 53}]}]}, 'x/named': {podSelector: {matchLabels: {app: 'dns'}}, ingress: [{ports: [{protocol: 'UDP', port: 'dns'}]}]}}, [dnsPod])
    const e = (proto: 'TCP' | 'UDP', port: number) => explain(u, resolveEnd(u, 'x', 'pod/b'), resolveEnd(u, 'x', 'pod/dns'), proto, port).ingress
    expect(e('UDP', 53)).toMatchObject({allowed: true, isolatedBy: ['x/named', 'x/udp-only'], allowedBy: 'x/named ingress[0]'})
    expect(e('TCP', 53)).toMatchObject({allowed: false, isolatedBy: ['x/named', 'x/udp-only'], reason: 'no rule of x/named, x/udp-only allows it: dropped'})
    // "dns" is UDP 53 and TCP 5353: a UDP rule on it is not TCP 5353
    expect(e('TCP', 5353).allowed).toBe(false)
    const t = npFixture({'x/tcp-53': {podSelector: {matchLabels: {app: 'dns'}}, ingress: [{ports: [{port: 53}]}]}}, [dnsPod])
    expect(explain(t, resolveEnd(t, 'x', 'pod/b'), resolveEnd(t, 'x', 'pod/dns'), 'UDP', 53).ingress).toMatchObject({allowed: false, isolatedBy: ['x/tcp-53']})
    expect(explain(t, resolveEnd(t, 'x', 'pod/b'), resolveEnd(t, 'x', 'pod/dns'), 'TCP', 53).ingress.allowedBy).toBe('x/tcp-53 ingress[0]')
  })
  it('refuses what is no pod of the state, exit 2', () => {
    expect(() => end('pod/z/a')).toThrow('pod "a" not found in namespace z')
    expect(() => end('svc/web')).toThrow('cannot explain')
  })
})

describe('doctor: NetworkPolicy findings', () => {
  const s = npFixture({'x/allow-a': ALLOW_A, 'x/egress-deny': EGRESS_DENY})
  // what real nft lists after loading node1's full script (netpolFullScript above): scripts/fixtures.ts
  const listed = readFileSync(new URL('./fixtures/node1-netpol.json', import.meta.url), 'utf8')
  const extras = (netpol: string) => new Map([['node1', {backends: {legacy: 0, nft: 0}, netns: [], conntrack: [], netpol}]])
  const run = (state: typeof s, netpol: string) => netpolTableChecks({state, facts: new Map(), docker: new Map(), extras: extras(netpol)})

  it('finds no drift when the table is what the state wants', () => {
    expect(netpolDrift(netpolNodeModel(s, s.nodes.node1), parseNetpolTable(listed)!)).toEqual([])
    expect(run(s, listed)).toEqual([])
  })
  it('names a pod the state put in a selector but the node lacks, and a missing table; the fix is the full table', () => {
    const after = structuredClone(s)
    after.pods['x/c'] = npod('x', 'c', 'node2', '10.244.1.7', {pod: 'b'})
    const [f] = run(after, listed)
    expect(f).toMatchObject({id: 'netpol-table-drift', node: 'node1', evidence: `1 difference(s) from the state: set ${P} lacks 10.244.1.7`, safe: true})
    expect(f.plan![0].stdin).toBe(netpolFullScript(netpolNodeModel(after, after.nodes.node1)))
    expect(run(s, '')[0]).toMatchObject({id: 'netpol-table-missing', severity: 'error'})
  })
  it('a policy or a peer that selects nothing', () => {
    const t = npFixture({'x/typo': {podSelector: {matchLabels: {pod: 'aa'}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: 'none'}}}]}]}})
    expect(netpolSelectorChecks({state: t, facts: new Map(), docker: new Map(), extras: new Map()}).map((f) => `${f.id} ${f.object}: ${f.evidence}`)).toEqual([
      'netpol-selects-nothing networkpolicy/x/typo: spec.podSelector selects no pod of namespace x: the policy isolates nothing',
      'netpol-peer-selects-nothing networkpolicy/x/typo: spec.ingress[0].from[0] selects no pod: it allows nothing',
    ])
  })
})

describe('trace: the policy hop', () => {
  const s = npFixture({'x/allow-a': ALLOW_A})
  const pod = (k: string) => ({kind: 'pod' as const, text: `pod/${k}`, pod: s.pods[k], ip: s.pods[k].ip!, port: 80})
  const hops = [
    {host: 'node2', kind: 'pod', what: 'b', detail: '', ok: true},
    {host: 'node2', kind: 'bridge', what: 'cni0', detail: '', ok: true},
    {host: 'node1', kind: 'veth', what: 'veth1', detail: '', ok: true, counters: [{kind: 'link' as const, host: 'node1', ifname: 'veth1', dir: 'tx' as const}]},
    {host: 'node1', kind: 'pod', what: 'a', detail: '', ok: true},
  ]
  const base = {from: 'pod/x/b', to: 'pod/x/a:80', protocol: 'tcp/80', hops, ok: true}
  it('an allowed packet: the hop names the rule, before the destination veth', () => {
    const h = policyHop(s, pod('x/b'), pod('x/a'), 'tcp')!
    const r = withPolicyHop(base, probePolicyHop(h, new Map(), new Map()))
    expect(r.hops.map((x) => x.kind)).toEqual(['pod', 'bridge', 'policy', 'veth', 'pod'])
    expect(r.hops[2]).toMatchObject({host: 'node1', ok: true, detail: 'egress x/b: no policy selects x/b for Egress: not isolated; ingress x/a: isolated by x/allow-a; allowed by x/allow-a ingress[0]'})
  })
  it('a dropped packet breaks the path there; --probe reads the drop counter of the isolating policy', () => {
    const h = policyHop(s, pod('y/a'), {...pod('x/a'), port: 8080}, 'tcp')!
    const c = `${A}-ingress-drops`
    const r = withPolicyHop(base, probePolicyHop(h, new Map([[c, 3]]), new Map([[c, 5]])))
    expect(r.ok).toBe(false)
    expect(r.broken).toEqual({host: 'node1', hop: 'policy', cause: 'NetworkPolicy drops it: no rule of x/allow-a allows it: dropped (ingress of x/a)'})
    expect(r.hops.at(-1)!.probe).toEqual({seen: true, evidence: `${c} +2`})
    expect(r.hops.map((x) => x.kind)).toEqual(['pod', 'bridge', 'policy'])
  })
  it('a UDP packet is judged as UDP: the hop names the UDP rule, and a TCP-only rule drops it', () => {
    const u = npFixture({'x/udp-80': {podSelector: {matchLabels: {pod: 'a'}}, ingress: [{ports: [{protocol: 'UDP', port: 80}]}]}})
    const at = (k: string) => ({kind: 'pod' as const, text: `pod/${k}`, pod: u.pods[k], ip: u.pods[k].ip!, port: 80})
    expect(policyHop(u, at('x/b'), at('x/a'), 'udp')).toMatchObject({ok: true, detail: expect.stringContaining('allowed by x/udp-80 ingress[0]')})
    expect(policyHop(u, at('x/b'), at('x/a'), 'tcp')).toMatchObject({ok: false, cause: 'NetworkPolicy drops it: no rule of x/udp-80 allows it: dropped (ingress of x/a)'})
  })
  it('reads the counters nft lists, and none when the table is not there', () => {
    expect([...parseNetpolCounters(readFileSync(new URL('./fixtures/node1-netpol.json', import.meta.url), 'utf8'))]).toEqual([[`${A}-ingress-drops`, 0], [`${E}-egress-drops`, 0]])
    expect(parseNetpolCounters('Error: No such file or directory').size).toBe(0)
  })
})
