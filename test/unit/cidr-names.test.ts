import {describe, expect, it} from 'vitest'
import {clusterFromOptions} from '../../src/lib/cluster/service.js'
import {InputError} from '../../src/lib/errors.js'
import {nthAddress, nthSubnet, overlaps, parseCidr} from '../../src/lib/util/cidr.js'
import {ifname} from '../../src/lib/util/ifname.js'
import {validateName} from '../../src/lib/util/names.js'

describe('cidr', () => {
  it('parses networks and refuses host bits with a suggestion', () => {
    expect(parseCidr('10.244.0.0/16').text).toBe('10.244.0.0/16')
    expect(() => parseCidr('10.244.1.0/16')).toThrow(/host bits/)
    expect(() => parseCidr('10.244.0.0')).toThrow(InputError)
    expect(() => parseCidr('300.1.1.0/24')).toThrow(InputError)
  })
  it('overlaps, subnets and addresses', () => {
    expect(overlaps(parseCidr('10.244.0.0/16'), parseCidr('10.244.7.0/24'))).toBe(true)
    expect(overlaps(parseCidr('10.244.0.0/16'), parseCidr('10.96.0.0/12'))).toBe(false)
    expect(nthSubnet(parseCidr('10.244.0.0/16'), 24, 2).text).toBe('10.244.2.0/24')
    expect(nthAddress(parseCidr('10.96.0.0/12'), 10)).toBe('10.96.0.10')
  })
})

describe('names', () => {
  it('accepts DNS-1123 labels and refuses the rest with exit 2', () => {
    expect(validateName('pod', 'web-1')).toBe('web-1')
    for (const bad of ['', 'Web', '-a', 'a-', 'x;touch /tmp/p', 'a_b', 'a'.repeat(64), '$(id)']) {
      try {
        validateName('pod', bad)
        throw new Error(`accepted ${bad}`)
      } catch (error) {
        expect(error).toBeInstanceOf(InputError)
        expect((error as InputError).exitCode).toBe(2)
      }
    }
  })
  it('interface names fit in 15 characters', () => {
    expect(ifname('to-', 'blue')).toBe('to-blue')
    expect(ifname('to-', 'a-very-long-namespace-name')).toHaveLength(15)
  })
})

describe('cluster init options', () => {
  it('has the Kubernetes defaults', () => {
    const c = clusterFromOptions({}, 'now')
    expect(c).toEqual({
      podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', backend: 'vxlan', proxyMode: 'iptables', driver: 'ip',
      clusterDomain: 'cluster.local', dnsIP: '10.96.0.10', nodePortRange: [30000, 32767], lbPool: undefined, ingressNode: undefined, createdAt: 'now',
    })
  })
  it('refuses overlapping or malformed networks', () => {
    expect(() => clusterFromOptions({podCIDR: '10.96.0.0/16'})).toThrow(/overlaps the service CIDR/)
    expect(() => clusterFromOptions({podCIDR: '10.244.0.0/25'})).toThrow(/too small/)
    expect(() => clusterFromOptions({dnsIP: '10.244.0.10'})).toThrow(/not inside/)
    expect(() => clusterFromOptions({nodePortRange: '5-1'})).toThrow(/node-port-range/)
  })
})
