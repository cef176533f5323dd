import {describe, expect, it} from 'vitest'
import {resolveEndpoint, requireSource} from '../../src/lib/trace/endpoints.js'
import {parseIptablesSave} from '../../src/lib/trace/iptables.js'
import {walk} from '../../src/lib/trace/walk.js'
import {parsePodNets} from '../../src/lib/trace/facts.js'
import {annotate, chosenEndpoint, probeStep} from '../../src/lib/trace/probe.js'
import {protocolOf} from '../../src/lib/trace/model.js'
import type {ServiceRecord} from '../../src/lib/state/schema.js'
import {chains} from './host-fixtures.js'
import {clusterState, factsOf, pod, RULES, web} from './trace-hosts.js'

const state = clusterState([pod('a', 'node1', '10.244.0.5', {app: 'web'}), pod('c', 'node1', '10.244.0.6'), pod('b', 'node2', '10.244.1.5', {app: 'web'})], [web()])
const trace = (from: string, to: string, facts = factsOf(state), endpoint?: string) =>
  walk({state, facts, from: requireSource(resolveEndpoint(state, 'default', from)), to: resolveEndpoint(state, 'default', to), endpoint})
const kinds = (r: ReturnType<typeof trace>) => r.hops.map((h) => `${h.host}:${h.kind}`)

describe('trace: the path walker over host facts', () => {
  it('pod to pod across nodes over VXLAN: every hop, outer addresses, VNI and port', () => {
    const r = trace('pod/a', 'pod/b')
    expect(r.ok).toBe(true)
    expect(kinds(r)).toEqual([
      'node1:pod', 'node1:veth', 'node1:bridge', 'node1:forward', 'node1:route', 'node1:vxlan-encap',
      'node2:vxlan-decap', 'node2:forward', 'node2:route', 'node2:bridge', 'node2:veth', 'node2:pod',
    ])
    expect(r.hops[5].detail).toBe('outer 192.168.56.11 -> 192.168.56.12 udp/8472 VNI 1 (inner to 0e:00:00:00:00:02)')
    expect(r.hops[4].detail).toBe('10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink')
  })

  it('pod to pod on one node: bridged on cni0, FORWARD consulted since bridged frames reach iptables', () => {
    const r = trace('pod/a', 'pod/c')
    expect(r.ok).toBe(true)
    expect(kinds(r)).toEqual(['node1:pod', 'node1:veth', 'node1:bridge', 'node1:forward', 'node1:bridge', 'node1:veth', 'node1:pod'])
  })

  it('a deleted peer route: broken on node1 at the route hop', () => {
    const facts = factsOf(state)
    facts.get('node1')!.routes = facts.get('node1')!.routes.filter((r) => r.dst !== '10.244.1.0/24')
    const r = trace('pod/a', 'pod/b', facts)
    expect(r.ok).toBe(false)
    expect(r.broken).toEqual({host: 'node1', hop: 'route', cause: "no route to the pod network of 10.244.1.5 on node1: the peer's /24 route is missing"})
  })

  it('FORWARD policy DROP without mk8s accept rules on the far node: broken on node2 at forward', () => {
    const facts = factsOf(state)
    facts.get('node2')!.iptables = parseIptablesSave(RULES.replace(/^.*-A FORWARD -j MK8S-FORWARD\n/m, ''))
    const r = trace('pod/a', 'pod/b', facts)
    expect(r.broken?.host).toBe('node2')
    expect(r.broken?.hop).toBe('forward')
    expect(r.broken?.cause).toMatch(/FORWARD policy is DROP on node2/)
  })

  it('ip_forward off: broken at forward with the sysctl named', () => {
    const facts = factsOf(state)
    facts.get('node1')!.sysctl['net.ipv4.ip_forward'] = '0'
    expect(trace('pod/a', 'pod/b', facts).broken).toEqual({host: 'node1', hop: 'forward', cause: 'IP forwarding is off on node1 (net.ipv4.ip_forward=0)'})
  })

  it('a missing ARP entry for the peer VTEP, or an FDB entry pointing elsewhere', () => {
    const facts = factsOf(state)
    facts.get('node1')!.neigh = []
    expect(trace('pod/a', 'pod/b', facts).broken?.cause).toMatch(/no ARP entry for the peer VTEP 10.244.1.0/)
    const f2 = factsOf(state)
    f2.get('node1')!.fdb = [{mac: '0e:00:00:00:00:02', dst: '192.168.56.99'}]
    expect(trace('pod/a', 'pod/b', f2).broken?.cause).toMatch(/points to 192.168.56.99, which is no node/)
  })

  it('VXLAN port blocked on the receiver: broken at node2 vxlan-decap', () => {
    const facts = factsOf(state)
    facts.get('node2')!.iptables = parseIptablesSave(RULES.replace('-s 192.168.56.66/32 -p udp', '-s 192.168.56.11/32 -p udp'))
    const r = trace('pod/a', 'pod/b', facts)
    expect(r.broken?.host).toBe('node2')
    expect(r.broken?.hop).toBe('vxlan-decap')
    expect(r.broken?.cause).toMatch(/VXLAN UDP 8472 is blocked: INPUT rule #3 DROPs it/)
  })

  it('through a service: the KUBE-SVC chain, every candidate with its chance, then the chosen endpoint', () => {
    const r = trace('pod/a', 'svc/web:80', factsOf(state), '10.244.1.5:8080')
    expect(r.ok).toBe(true)
    expect(r.hops[3]).toMatchObject({kind: 'service', host: 'node1'})
    expect(r.hops[3].detail).toMatch(/^KUBE-SVC-CDGGSHYLG3RE2FKL -> 10.244.1.5:8080, one of 3: 10.244.0.5:8080 \(node1\) 33.3%, 10.244.1.5:8080 \(node2\) 33.3%, 10.244.2.5:8080 33.3%$/)
    expect(r.candidates?.map((c) => c.endpoint)).toEqual(['10.244.0.5:8080', '10.244.1.5:8080', '10.244.2.5:8080'])
    expect(kinds(r).slice(-3)).toEqual(['node2:bridge', 'node2:veth', 'node2:pod'])
  })

  it('a pod reaching itself through its service needs hairpin on its veth', () => {
    const facts = factsOf(state)
    facts.get('node1')!.bridgePorts.find((b) => b.ifname === 'veth-a')!.hairpin = false
    const r = trace('pod/a', 'svc/web', facts, '10.244.0.5:8080')
    expect(r.broken).toMatchObject({host: 'node1', hop: 'veth'})
    expect(r.broken?.cause).toMatch(/hairpin is off on veth-a/)
  })

  it('node to a pod on another node, and pod to a node', () => {
    expect(trace('node/node1', 'pod/b').ok).toBe(true)
    const r = trace('pod/b', 'node/node1:22')
    expect(r.ok).toBe(true)
    expect(kinds(r)).toEqual(['node2:pod', 'node2:veth', 'node2:bridge', 'node2:forward', 'node2:route', 'node1:deliver'])
    expect(r.hops[4].detail).toMatch(/masqueraded/)
  })

  it('probe evidence: counters that moved between two reads, and the endpoint DNAT really chose', () => {
    const before = factsOf(state)
    const after = factsOf(state, RULES.replace(`[0:0] -A ${chains.sep('default', 'web', 'TCP', 'http', '10.244.1.5:8080')} -p tcp`, `[1:60] -A ${chains.sep('default', 'web', 'TCP', 'http', '10.244.1.5:8080')} -p tcp`))
    after.get('node1')!.links.find((l) => l.ifname === 'flannel.1')!.tx!.packets += 3
    expect(chosenEndpoint(before.get('node1'), after.get('node1'), ['10.244.0.5:8080', '10.244.1.5:8080', '10.244.2.5:8080'])).toBe('10.244.1.5:8080')
    const hops = annotate(trace('pod/a', 'pod/b', after).hops, before, after)
    expect(hops.find((h) => h.kind === 'vxlan-encap')?.probe).toEqual({seen: true, evidence: 'flannel.1 tx +3'})
    expect(hops.find((h) => h.kind === 'vxlan-decap')?.probe).toEqual({seen: false, evidence: 'flannel.1 rx +0'})
  })
})

describe('trace: a port is TCP unless written PORT/udp', () => {
  const dns: ServiceRecord = {...web(), name: 'dns', clusterIP: '10.96.0.10', ports: [{name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53}, {name: 'dns', protocol: 'UDP', port: 53, targetPort: 53}]}
  const s2 = clusterState([pod('a', 'node1', '10.244.0.5'), pod('b', 'node2', '10.244.1.5')], [dns])
  const to = (t: string) => resolveEndpoint(s2, 'default', t)
  it('pod, node and address take /udp or /tcp in any case; a service port is chosen by number and protocol', () => {
    expect(protocolOf(to('pod/b'))).toBe('icmp')
    expect(protocolOf(to('pod/b:80'))).toBe('tcp')
    expect(protocolOf(to('pod/b:80/udp'))).toBe('udp')
    expect(protocolOf(to('pod/default/b:80/UDP'))).toBe('udp')
    expect(protocolOf(to('10.244.1.5:53/udp'))).toBe('udp')
    expect(protocolOf(to('node/node2:8472/udp'))).toBe('udp')
    expect(protocolOf(to('svc/dns:53'))).toBe('tcp')
    expect(to('svc/dns:53/udp')).toMatchObject({kind: 'svc', port: 53, protocol: 'udp'})
    expect(to('10.96.0.10:53/udp')).toMatchObject({kind: 'svc', protocol: 'udp'})
    expect(() => to('svc/web:80/udp')).toThrow('service "web" not found')
    expect(() => resolveEndpoint(clusterState([], [web()]), 'default', 'svc/web:80/udp')).toThrow('service "web" has no port 80/udp')
    expect(() => to('pod/b:80/sctp')).toThrow('bad protocol "sctp" in "pod/b:80/sctp"')
  })
  it('the walk carries the protocol: a UDP packet to a pod is udp/PORT on its way', () => {
    const r = walk({state: s2, facts: factsOf(s2), from: requireSource(to('pod/a')), to: to('pod/b:53/udp')})
    expect(r.ok).toBe(true)
    expect(r.protocol).toBe('udp/53')
  })
})

describe('trace: host facts from what the tools print', () => {
  it("a pod's namespace as the read script prints it (ip -j ends each answer with a newline)", () => {
    const text = [
      '@@pod 4242 default/web uid-1',
      '@@links',
      '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536},{"ifindex":2,"link_index":7,"ifname":"eth0","flags":["UP","LOWER_UP"],"mtu":1450,"address":"aa:bb:cc:dd:ee:ff","stats64":{"rx":{"bytes":10,"packets":1},"tx":{"bytes":20,"packets":2}}}]',
      '@@addrs',
      '[{"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"10.244.0.3","prefixlen":24}]}]',
      '@@routes',
      '[{"dst":"default","gateway":"10.244.0.1","dev":"eth0","flags":[]}]',
      '',
    ].join('\n')
    expect(parsePodNets(text)).toEqual([{
      key: 'default/web', uid: 'uid-1', pid: 4242,
      links: [{ifindex: 1, ifname: 'lo', mtu: 65536, up: true}, {ifindex: 2, ifname: 'eth0', mtu: 1450, up: true, mac: 'aa:bb:cc:dd:ee:ff', peerIndex: 7, rx: {packets: 1, bytes: 10}, tx: {packets: 2, bytes: 20}}],
      addrs: [{ifname: 'eth0', ip: '10.244.0.3', prefix: 24}],
      routes: [{dst: 'default', gateway: '10.244.0.1', dev: 'eth0', onlink: false}],
    }])
  })
})

describe('trace --probe: the traffic it sends', () => {
  const src = (text: string) => requireSource(resolveEndpoint(state, 'default', text))
  it("from a pod: ping or a TCP connection with nc inside the pod; UDP datagrams (no answer awaited) from the node's bash in the pod's network namespace", () => {
    expect(probeStep(src('pod/a'), '10.244.1.5', 'icmp').argv).toEqual(['docker', 'exec', 'k8s_main_a_default', 'ping', '-c', '2', '-W', '2', '10.244.1.5'])
    expect(probeStep(src('pod/a'), '10.96.0.20', 'tcp', 80).argv.slice(3)).toEqual(['timeout', '6', 'nc', '-w', '3', '10.96.0.20', '80'])
    expect(probeStep(src('pod/a'), '10.96.0.20', 'udp', 53).argv).toEqual([
      'sh', '-c', `pid=$(docker inspect -f '{{.State.Pid}}' "$1") && shift && exec nsenter -t "$pid" -n "$@"`,
      'sh', 'k8s_POD_a_default', 'timeout', '6', 'bash', '-c', 'for i in 1 2; do echo mk8s-trace >"/dev/udp/$1/$2"; done', 'bash', '10.96.0.20', '53',
    ])
  })
  it("from a node: bash's /dev/tcp and /dev/udp, the address and port as arguments, never in the script", () => {
    expect(probeStep(src('node/node1'), '10.96.0.20', 'tcp', 80).argv).toEqual(['timeout', '6', 'bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'bash', '10.96.0.20', '80'])
    expect(probeStep(src('node/node1'), '10.96.0.20', 'udp', 53).argv).toEqual(['timeout', '6', 'bash', '-c', 'for i in 1 2; do echo mk8s-trace >"/dev/udp/$1/$2"; done', 'bash', '10.96.0.20', '53'])
  })
})
