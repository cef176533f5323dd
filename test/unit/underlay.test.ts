import {describe, expect, it} from 'vitest'
import {detectUnderlay, type HostFacts} from '../../src/lib/node/preflight.js'

/** A Vagrant box: eth0 is the NAT interface with the default route, eth1 the private network. */
const vagrant: HostFacts = {
  hostname: 'node1',
  addrs: [
    {ifname: 'lo', mtu: 65536, addr_info: [{family: 'inet', local: '127.0.0.1', prefixlen: 8}]},
    {ifname: 'eth0', mtu: 1500, addr_info: [{family: 'inet', local: '10.0.2.15', prefixlen: 24}]},
    {ifname: 'eth1', mtu: 9000, addr_info: [{family: 'inet', local: '192.168.56.11', prefixlen: 24}]},
  ],
  routes: [{dst: 'default', dev: 'eth0', gateway: '10.0.2.2'}, {dst: '10.0.2.0/24', dev: 'eth0'}, {dst: '192.168.56.0/24', dev: 'eth1'}],
  missingTools: [],
  docker: {ok: true},
  missingKernel: [],
  iptablesBackend: 'nf_tables',
}

describe('underlay detection (the Vagrant pitfall)', () => {
  it('picks the interface holding the SSH address, not the default route NAT one', () => {
    expect(detectUnderlay('node1', vagrant, '192.168.56.11', {})).toEqual({iface: 'eth1', address: '192.168.56.11', prefix: 24, mtu: 9000})
  })
  it('--iface and --address override it', () => {
    expect(detectUnderlay('node1', vagrant, '192.168.56.11', {iface: 'eth0'})).toEqual({iface: 'eth0', address: '10.0.2.15', prefix: 24, mtu: 1500})
    expect(detectUnderlay('node1', vagrant, '192.168.56.11', {address: '10.0.2.15'}).iface).toBe('eth0')
  })
  it('reached by a name, it falls back to the default route interface', () => {
    expect(detectUnderlay('node1', vagrant, 'node1.example', {}).iface).toBe('eth0')
  })
  it('an unknown --iface or --address is exit 2 listing what there is', () => {
    expect(() => detectUnderlay('node1', vagrant, undefined, {iface: 'eth7'})).toThrow(/no IPv4 interface eth7/)
    expect(() => detectUnderlay('node1', vagrant, undefined, {address: '10.9.9.9'})).toThrow(/no address 10\.9\.9\.9/)
  })
})
