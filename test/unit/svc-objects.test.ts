import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/lib/errors.js'
import {allocateClusterIP, allocateNodePorts} from '../../src/lib/svc/allocate.js'
import {endpointsOf} from '../../src/lib/svc/endpoints.js'
import {allocateLbIP, lbPool} from '../../src/lib/svc/lb.js'
import {parseV1Service} from '../../src/lib/svc/manifest.js'
import {buildService} from '../../src/lib/svc/service.js'
import {renderPlan} from '../../src/lib/host/plan.js'
import {fullServicesPlan, incrementalServicesPlan} from '../../src/lib/svc/sync.js'
import {fixture, pod, svc} from './svc-fixture.js'

const exit2 = (fn: () => unknown, msg: RegExp) => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).exitCode).toBe(2)
    expect((error as Error).message).toMatch(msg)
    return
  }
  throw new Error('expected an InputError')
}

describe('allocation', () => {
  it('ClusterIPs skip the network address, .1 and the DNS address', () => {
    const s = fixture([], [svc('a', '10.96.0.2')])
    expect(allocateClusterIP(s, s.cluster!, 'default/x')).toBe('10.96.0.3')
    for (let i = 3; i <= 9; i++) s.services[`default/s${i}`] = svc(`s${i}`, `10.96.0.${i}`)
    expect(allocateClusterIP(s, s.cluster!, 'default/x')).toBe('10.96.0.11')
    expect(allocateClusterIP(s, s.cluster!, 'default/dns', '10.96.0.10')).toBe('10.96.0.10')
    exit2(() => allocateClusterIP(s, s.cluster!, 'default/x', '10.96.0.2'), /taken by service default\/a/)
    exit2(() => allocateClusterIP(s, s.cluster!, 'default/x', '10.200.0.2'), /not a usable address/)
  })

  it('NodePorts: the lowest free one, kept on update; a taken or out-of-range one is exit 2', () => {
    const s = fixture([], [svc('a', '10.96.0.2', {type: 'NodePort', ports: [{protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30000}]})])
    const ports = [{protocol: 'TCP' as const, port: 80, targetPort: 80}, {name: 'b', protocol: 'UDP' as const, port: 53, targetPort: 53}]
    expect(allocateNodePorts(s, s.cluster!, 'default/x', 'NodePort', ports).map((p) => p.nodePort)).toEqual([30001, 30002])
    expect(allocateNodePorts(s, s.cluster!, 'default/a', 'NodePort', [ports[0]], s.services['default/a']).map((p) => p.nodePort)).toEqual([30000])
    exit2(() => allocateNodePorts(s, s.cluster!, 'default/x', 'NodePort', [{...ports[0], nodePort: 30000}]), /30000 is already taken by service default\/a/)
    exit2(() => allocateNodePorts(s, s.cluster!, 'default/x', 'NodePort', [{...ports[0], nodePort: 8080}]), /outside the NodePort range 30000-32767/)
    expect(allocateNodePorts(s, s.cluster!, 'default/x', 'ClusterIP', [{...ports[0], nodePort: 31000}])).toEqual([ports[0]])
  })

  it('LoadBalancer pool: the last /28 of the first node\'s network unless given; lowest free address', () => {
    const s = fixture([], [])
    expect(lbPool(s, s.nodes.node1)).toBe('192.168.56.240/28')
    expect(allocateLbIP(s, '192.168.56.240/28')).toBe('192.168.56.241')
    s.services['default/l'] = svc('l', '10.96.0.2', {type: 'LoadBalancer', loadBalancerIP: '192.168.56.241'})
    expect(allocateLbIP(s, '192.168.56.240/28')).toBe('192.168.56.242')
    s.cluster!.lbPool = '10.10.0.0/30'
    expect(lbPool(s, s.nodes.node1)).toBe('10.10.0.0/30')
  })
})

describe('v1 Service manifests', () => {
  const base = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web'}, spec: {selector: {app: 'web'}, ports: [{port: 80}]}}

  it('defaults: ClusterIP, TCP, targetPort = port, namespace from the command', () => {
    expect(parseV1Service(base, 'shop')).toEqual({namespace: 'shop', name: 'web', type: 'ClusterIP', clusterIP: undefined, ports: [{protocol: 'TCP', port: 80, targetPort: 80}], selector: {app: 'web'}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', loadBalancerIP: undefined})
  })

  it('several named ports, UDP, named target ports, headless, affinity, Local policy', () => {
    const r = parseV1Service({...base, spec: {type: 'NodePort', externalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', selector: {app: 'dns'}, ports: [{name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns'}, {name: 'http', port: 80, nodePort: 30080}]}}, 'default')
    expect(r.ports).toEqual([{name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns'}, {name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080}])
    expect(parseV1Service({...base, spec: {clusterIP: 'None', selector: {app: 'x'}}}, 'default').clusterIP).toBe('None')
  })

  it('refuses what Kubernetes refuses, with exit 2', () => {
    exit2(() => parseV1Service({...base, spec: {ports: [{port: 80}, {port: 81}]}}, 'default'), /needs a name/)
    exit2(() => parseV1Service({...base, spec: {ports: [{port: 80, protocol: 'SCTP'}]}}, 'default'), /spec\.ports\[0\]\.protocol/)
    exit2(() => parseV1Service({...base, spec: {ports: [{port: 80, nodePort: 30000}]}}, 'default'), /type ClusterIP/)
    exit2(() => parseV1Service({...base, spec: {type: 'NodePort', clusterIP: 'None', ports: [{port: 80}]}}, 'default'), /headless/)
    exit2(() => parseV1Service({...base, metadata: {name: 'Web!'}}, 'default'), /invalid service name/)
    exit2(() => parseV1Service({...base, spec: {externalTrafficPolicy: 'Local', ports: [{port: 80}]}}, 'default'), /NodePort or LoadBalancer/)
  })

  it('a LoadBalancer gets an address from the pool and a node to announce it', () => {
    const s = fixture([], [])
    const rec = buildService(s, parseV1Service({...base, spec: {type: 'LoadBalancer', selector: {app: 'web'}, ports: [{port: 80}]}}, 'default'))
    expect([rec.clusterIP, rec.ports[0].nodePort, rec.loadBalancerIP, rec.announcedBy]).toEqual(['10.96.0.2', 30000, '192.168.56.241', 'node1'])
  })
})

describe('endpoints', () => {
  it('Running pods with an address whose labels match, named target ports resolved per pod', () => {
    const s = fixture([
      pod('a', 'node1', '10.244.0.9', {app: 'web'}, [{name: 'http', containerPort: 8080}]),
      pod('b', 'node2', '10.244.1.3', {app: 'web', tier: 'x'}, [{name: 'http', containerPort: 9090}]),
      pod('c', 'node2', '10.244.1.4', {app: 'web'}, [], 'Pending'),
      pod('d', 'node2', '10.244.1.5', {app: 'other'}, [{name: 'http', containerPort: 80}]),
      pod('e', 'node2', '10.244.1.6', {app: 'web'}, []),
    ], [svc('web', '10.96.0.2', {ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 'http'}, {name: 'raw', protocol: 'TCP', port: 81, targetPort: 81}]})])
    const eps = endpointsOf(s, s.services['default/web']).map((p) => p.endpoints.map((e) => `${e.ip}:${e.port}`))
    expect(eps).toEqual([['10.244.0.9:8080', '10.244.1.3:9090'], ['10.244.0.9:81', '10.244.1.3:81', '10.244.1.6:81']])
  })
})

describe('incremental sync', () => {
  const pods = [pod('a', 'node1', '10.244.0.5', {app: 'web'})]
  it('writes only the changed service, from the state the node was programmed from; nothing when nothing changed', () => {
    const s = fixture(pods, Array.from({length: 50}, (_, i) => svc(`s${i}`, `10.96.1.${i}`, {selector: {app: 'web'}})))
    expect(incrementalServicesPlan(s, s, s.nodes.node1)).toEqual([])
    const full = renderPlan(fullServicesPlan(s, s.nodes.node1))
    expect(full.match(/^:KUBE-SVC-/gm)).toHaveLength(50)
    const after = structuredClone(s)
    after.services['default/new'] = svc('new', '10.96.2.1', {selector: {app: 'web'}})
    const inc = renderPlan(incrementalServicesPlan(s, after, after.nodes.node1))
    expect(inc.match(/^:KUBE-/gm)).toHaveLength(2)
    expect(inc).toContain('-I KUBE-SERVICES 1 -d 10.96.2.1/32')
    expect(inc).not.toContain('10.96.1.3')
  })
})
