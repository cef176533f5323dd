import {describe, expect, it} from 'vitest'
import {renderPlan} from '../../src/lib/host/plan.js'
import {netnsBridgePlan, netnsLinkPlan} from '../../src/lib/netns/plan.js'
import {nodeBasePlan} from '../../src/lib/node/plan.js'

describe('netns plans', () => {
  it('p2p: one veth pair straight into both namespaces, .1 and .2', () => {
    expect(netnsLinkPlan('red', 'blue', '10.0.0.0/30').map((s) => s.argv.join(' '))).toEqual([
      'ip link add to-blue netns red type veth peer name to-red netns blue',
      'ip -n red addr replace 10.0.0.1/30 dev to-blue',
      'ip -n blue addr replace 10.0.0.2/30 dev to-red',
      'ip -n red link set to-blue up',
      'ip -n blue link set to-red up',
    ])
  })
  it('bridge: .1 on the bridge, members .2 and .3 with a default route', () => {
    const text = renderPlan(netnsBridgePlan('br0', ['a', 'b'], '10.0.1.0/24'))
    expect(text).toContain('ip link show br0 </dev/null >/dev/null 2>&1 || ip link add br0 type bridge')
    expect(text).toContain('ip addr replace 10.0.1.1/24 dev br0')
    expect(text).toContain('ip -n a addr replace 10.0.1.2/24 dev br-br0')
    expect(text).toContain('ip -n b addr replace 10.0.1.3/24 dev br-br0')
    expect(text).toContain('ip -n b route replace default via 10.0.1.1')
  })
  it('node join: forwarding, br_netfilter and cni0 with .1', () => {
    expect(renderPlan(nodeBasePlan({podCIDR: '10.244.2.0/24'}))).toBe(
      [
        'sysctl -qw net.ipv4.ip_forward=1',
        'modprobe br_netfilter 2>/dev/null || true',
        'sysctl -qw net.bridge.bridge-nf-call-iptables=1',
        'ip link show cni0 </dev/null >/dev/null 2>&1 || ip link add cni0 type bridge',
        'ip addr replace 10.244.2.1/24 dev cni0',
        'ip link set cni0 up',
      ].join('\n'),
    )
  })
})
