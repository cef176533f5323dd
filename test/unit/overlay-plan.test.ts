import {describe, expect, it} from 'vitest'
import {argvText, type Plan} from '../../src/lib/host/plan.js'
import {renderPlan} from '../../src/lib/host/plan.js'
import {egressPlan, egressRemovePlan, egressRules} from '../../src/lib/overlay/egress.js'
import {checkHostGw, nodeOverlayPlan, nodeOverlayRemovePlan, peerPlan, peerRemovePlan, podMtu, vtepMac} from '../../src/lib/overlay/plan.js'

const n1 = {name: 'node1', podCIDR: '10.244.0.0/24', iface: 'eth0', address: '192.168.56.11', prefix: 24, mtu: 1500}
const n2 = {name: 'node2', podCIDR: '10.244.1.0/24', iface: 'eth0', address: '192.168.56.12', prefix: 24, mtu: 1500}
const vxlan = {backend: 'vxlan'} as const
const hostGw = {backend: 'host-gw'} as const
const argvs = (plan: Plan) => plan.map((s) => argvText(s.argv))
const cluster = {podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12'}

describe('overlay plans', () => {
  it('VTEP MACs are locally administered unicast, stable, one per subnet', () => {
    const mac = vtepMac('10.244.1.0/24')
    expect(mac).toMatch(/^0e(:[0-9a-f]{2}){5}$/)
    expect(vtepMac('10.244.1.0/24')).toBe(mac)
    expect(vtepMac('10.244.2.0/24')).not.toBe(mac)
  })

  it('pod MTU follows the backend: VXLAN takes 50 bytes', () => {
    expect(podMtu(vxlan, {mtu: 1500})).toBe(1450)
    expect(podMtu(hostGw, {mtu: 1500})).toBe(1500)
    expect(podMtu(vxlan, {mtu: 9000})).toBe(8950)
  })

  it('vxlan node: flannel.1 reconciled then made as flannel makes it, .0/32, cni0 at underlay-50', () => {
    const mac = vtepMac(n1.podCIDR)
    const plan = nodeOverlayPlan(vxlan, n1)
    expect(plan[0].argv.slice(0, 2)).toEqual(['sh', '-c'])
    expect(plan[0].argv.slice(3)).toEqual([
      'sh', 'flannel.1', '"mtu":1450,', `"address":"${mac}"`, '"info_kind":"vxlan"', '"id":1,', '"local":"192.168.56.11"', '"link":"eth0"', '"port":8472,', '"learning":false',
    ])
    expect(argvs(plan.slice(1))).toEqual([
      `ip link add flannel.1 address ${mac} mtu 1450 type vxlan id 1 local 192.168.56.11 dev eth0 dstport 8472 nolearning`,
      'ip addr replace 10.244.0.0/32 dev flannel.1',
      'ip link set flannel.1 up',
      'ip link set cni0 mtu 1450',
    ])
    expect(plan[1].unless).toEqual(['ip', 'link', 'show', 'flannel.1'])
  })

  it('vxlan peer: exactly one route, one permanent ARP entry and one FDB entry', () => {
    const mac = vtepMac(n2.podCIDR)
    expect(argvs(peerPlan(vxlan, n1, n2))).toEqual([
      'ip route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink',
      `ip neigh replace 10.244.1.0 lladdr ${mac} dev flannel.1 nud permanent`,
      `bridge fdb replace ${mac} dev flannel.1 dst 192.168.56.12`,
    ])
  })

  it('host-gw: no device (an old one goes), a route via the peer underlay address, cni0 at underlay MTU', () => {
    expect(renderPlan(nodeOverlayPlan(hostGw, n1))).toBe(
      ['! ip link show flannel.1 </dev/null >/dev/null 2>&1 || ip link del flannel.1', 'ip link set cni0 mtu 1500'].join('\n'),
    )
    expect(argvs(peerPlan(hostGw, n1, n2))).toEqual(['ip route replace 10.244.1.0/24 via 192.168.56.12 dev eth0'])
  })

  it('leave: peers drop the route, ARP and FDB entries; the leaving node its device and routes', () => {
    expect(renderPlan(peerRemovePlan(n2))).toBe(
      [
        'ip route del 10.244.1.0/24 2>/dev/null || true',
        '! ip link show flannel.1 </dev/null >/dev/null 2>&1 || ip neigh del 10.244.1.0 dev flannel.1 2>/dev/null || true',
        `! ip link show flannel.1 </dev/null >/dev/null 2>&1 || bridge fdb del ${vtepMac(n2.podCIDR)} dev flannel.1 2>/dev/null || true`,
      ].join('\n'),
    )
    expect(argvs(nodeOverlayRemovePlan([n2]))).toEqual(['ip link del flannel.1', 'ip route del 10.244.1.0/24'])
  })

  it('host-gw refuses peers off the L2 network with exit 2, naming both nodes', () => {
    const far = {...n2, address: '192.168.57.12'}
    expect(() => checkHostGw(hostGw, n1, [far])).toThrow(/node node1 \(192\.168\.56\.11\/24\) and node node2 \(192\.168\.57\.12\/24\)/)
    try {
      checkHostGw(hostGw, n1, [far])
    } catch (error) {
      expect((error as {exitCode: number}).exitCode).toBe(2)
    }
    expect(() => checkHostGw(hostGw, n1, [n2])).not.toThrow()
    expect(() => checkHostGw(vxlan, n1, [far])).not.toThrow()
    // a /16 underlay holds both
    expect(() => checkHostGw(hostGw, {...n1, prefix: 16}, [{...far, prefix: 16}])).not.toThrow()
    // the node's own prefix says it is apart, even when the peer's is unknown
    expect(() => checkHostGw(hostGw, n1, [{...far, prefix: undefined}])).toThrow(/one L2 network/)
  })
})

describe('egress chains', () => {
  it('one restore input: forward accepts for pods, masquerade only leaving the pod network', () => {
    expect(egressRules(cluster)).toBe(
      [
        '*filter',
        ':MK8S-FORWARD - [0:0]',
        '-A MK8S-FORWARD -s 10.244.0.0/16 -m comment --comment "mk8s: forward traffic from pods" -j ACCEPT',
        '-A MK8S-FORWARD -d 10.244.0.0/16 -m comment --comment "mk8s: forward traffic to pods" -j ACCEPT',
        'COMMIT',
        '*nat',
        ':MK8S-POSTROUTING - [0:0]',
        '-A MK8S-POSTROUTING -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "mk8s: pod to pod keeps its address" -j RETURN',
        '-A MK8S-POSTROUTING -s 10.244.0.0/16 -d 10.96.0.0/12 -m comment --comment "mk8s: pod to service is left to the proxy rules" -j RETURN',
        '-A MK8S-POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -m comment --comment "mk8s: pods leaving the pod network" -j MASQUERADE',
        'COMMIT',
        '',
      ].join('\n'),
    )
  })

  it('jumps are ensured at the top with -C checks; removal undoes jumps then chains', () => {
    const plan = egressPlan(cluster)
    expect(plan[0].argv).toEqual(['iptables-restore', '-w', '--noflush'])
    expect(plan[0].stdin).toBe(egressRules(cluster))
    expect(renderPlan(plan.slice(1))).toBe(
      [
        'iptables -w -t filter -C FORWARD -j MK8S-FORWARD </dev/null >/dev/null 2>&1 || iptables -w -t filter -I FORWARD 1 -j MK8S-FORWARD',
        'iptables -w -t nat -C POSTROUTING -j MK8S-POSTROUTING </dev/null >/dev/null 2>&1 || iptables -w -t nat -I POSTROUTING 1 -j MK8S-POSTROUTING',
      ].join('\n'),
    )
    expect(argvs(egressRemovePlan())).toEqual([
      'iptables -w -t filter -D FORWARD -j MK8S-FORWARD',
      'iptables -w -t filter -F MK8S-FORWARD',
      'iptables -w -t filter -X MK8S-FORWARD',
      'iptables -w -t nat -D POSTROUTING -j MK8S-POSTROUTING',
      'iptables -w -t nat -F MK8S-POSTROUTING',
      'iptables -w -t nat -X MK8S-POSTROUTING',
    ])
  })
})
