import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/lib/errors.js'
import {serviceManifest} from '../../src/lib/export/manifests.js'
import {walk} from '../../src/lib/manifest/fields.js'
import {serviceFields} from '../../src/lib/manifest/supported.js'
import type {PodRecord, ServiceRecord} from '../../src/lib/state/schema.js'
import {diffFragments, emptyFragment} from '../../src/lib/svc/fragment.js'
import {iptablesIncrementalRestore} from '../../src/lib/svc/iptables.plan.js'
import {parseV1Service} from '../../src/lib/svc/manifest.js'
import {nftIncrementalScript} from '../../src/lib/svc/nft.plan.js'
import {buildService} from '../../src/lib/svc/service.js'
import {incrementalServicesPlan, serviceFragment} from '../../src/lib/svc/sync.js'
import {clusterIPText, describeService, externalIP, toV1Service} from '../../src/lib/svc/v1.js'
import {nftServiceBranches, parseNft} from '../../src/lib/trace/nft.js'
import {renderPlan} from '../../src/lib/host/plan.js'
import {fixture, flowOn, pod, programmedRules, svc} from './svc-fixture.js'
import {clusterState, factsOf, pod as tracePod, web} from './trace-hosts.js'
import {resolveEndpoint, requireSource} from '../../src/lib/trace/endpoints.js'
import {walk as traceWalk} from '../../src/lib/trace/walk.js'

const exit2 = (fn: () => unknown, msg: RegExp) => {
  let thrown: unknown
  try {
    fn()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(InputError)
  expect((thrown as InputError).exitCode).toBe(2)
  expect((thrown as Error).message).toMatch(msg)
}

const a = pod('a', 'node1', '10.244.0.5', {app: 'web'})
const b = pod('b', 'node2', '10.244.1.5', {app: 'web'})
const LB = {type: 'LoadBalancer' as const, loadBalancerIP: '192.168.56.241', announcedBy: 'node1', ports: [{name: 'http', protocol: 'TCP' as const, port: 80, targetPort: 80, nodePort: 30080}]}

/** One service "web" (10.96.0.2:80) per case, and the nodes it is seen from. */
const CASES: Record<string, {pods: PodRecord[]; svc: Partial<ServiceRecord>; nodes: string[]}> = {
  // internalTrafficPolicy Local: node1 has the only endpoint, node2 has none (DROP, as kube-proxy)
  'internal-local': {pods: [a], svc: {internalTrafficPolicy: 'Local'}, nodes: ['node1', 'node2']},
  // internalTrafficPolicy Local with a NodePort: the ClusterIP goes to KUBE-SVL, the NodePort to every endpoint
  'internal-local-nodeport': {pods: [a, b], svc: {internalTrafficPolicy: 'Local', type: 'NodePort', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080}]}, nodes: ['node2']},
  'affinity-timeout': {pods: [a, b], svc: {sessionAffinity: 'ClientIP', sessionAffinityTimeout: 60}, nodes: ['node1']},
  'external-ip': {pods: [a, b], svc: {externalIPs: ['192.168.56.200']}, nodes: ['node1']},
  'external-ip-no-endpoints': {pods: [], svc: {externalIPs: ['192.168.56.200']}, nodes: ['node1']},
  // externalTrafficPolicy Local with an external IP, on the node without an endpoint: outside traffic dropped
  'external-ip-local': {pods: [a], svc: {externalIPs: ['192.168.56.200'], externalTrafficPolicy: 'Local'}, nodes: ['node2']},
  // node1's own address is in a range: the LoadBalancer address is admitted as a source too (nft: already covered by the /24)
  'source-ranges': {pods: [a, b], svc: {...LB, loadBalancerSourceRanges: ['192.168.56.0/24', '10.1.0.0/16', '10.1.2.0/24']}, nodes: ['node1']},
  'external-name': {pods: [a, b], svc: {type: 'ExternalName', clusterIP: '', externalName: 'db.example.com', ports: []}, nodes: ['node1']},
}

const stateOf = (c: (typeof CASES)[string], mode: 'iptables' | 'nftables' = 'iptables') => fixture(c.pods, [svc('web', '10.96.0.2', {selector: {app: 'web'}, ...c.svc})], mode)

describe('the Service fields\' rules, in both proxy modes (golden)', () => {
  it('each case\'s rules as a node gets them when the service is created', async () => {
    const sections: string[] = []
    for (const [name, c] of Object.entries(CASES)) {
      for (const mode of ['iptables', 'nftables'] as const) {
        for (const node of c.nodes) {
          const d = diffFragments(emptyFragment(), serviceFragment(stateOf(c, mode), 'default/web', node, mode))
          sections.push(`=== ${name}, ${mode}, ${node}\n${mode === 'iptables' ? iptablesIncrementalRestore(d) : nftIncrementalScript(d)}`)
        }
      }
    }
    await expect(sections.join('\n')).toMatchFileSnapshot('goldens/svc-fields.txt')
  })

  it('an ExternalName service has no rules at all, on any node, in either mode', () => {
    for (const mode of ['iptables', 'nftables'] as const) {
      for (const node of ['node1', 'node2']) {
        const f = serviceFragment(stateOf(CASES['external-name'], mode), 'default/web', node, mode)
        expect([f.objects.size, f.entries.size]).toEqual([0, 0])
      }
    }
  })

  it('a rule that writes into KUBE-PROXY-FIREWALL first makes sure the chain and its jumps exist (nodes programmed before it)', () => {
    const before = fixture([a, b], [])
    const after = stateOf(CASES['source-ranges'])
    const text = renderPlan(incrementalServicesPlan(before, after, after.nodes.node1))
    expect(text.indexOf('-N KUBE-PROXY-FIREWALL')).toBeGreaterThanOrEqual(0)
    expect(text.indexOf('-N KUBE-PROXY-FIREWALL')).toBeLessThan(text.indexOf('iptables-restore'))
    expect(text).toContain("-I INPUT -m conntrack --ctstate NEW -m comment --comment 'kubernetes load balancer firewall' -j KUBE-PROXY-FIREWALL")
    // a change that does not touch the firewall does not
    const plain = renderPlan(incrementalServicesPlan(before, stateOf(CASES['external-ip']), after.nodes.node1))
    expect(plain).not.toContain('KUBE-PROXY-FIREWALL')
  })
})

const NODE1 = ['192.168.56.11', '10.244.0.1', '192.168.56.241']
const NODE2 = ['192.168.56.12', '10.244.1.1']

describe('packets through those rules (iptables, walked by trace\'s reader)', () => {
  const itp = stateOf(CASES['internal-local'])
  it('internalTrafficPolicy Local: a pod on the node with the endpoint reaches it, source kept', () => {
    expect(flowOn(itp, 'node1', NODE1, {src: '10.244.0.9', dst: '10.96.0.2', proto: 'tcp', dport: 80, hook: 'PREROUTING'})).toEqual([{verdict: 'ACCEPT', masq: false, dnat: '10.244.0.5:80'}])
  })
  it('internalTrafficPolicy Local: a pod or the node itself where there is no endpoint is dropped', () => {
    expect(flowOn(itp, 'node2', NODE2, {src: '10.244.1.9', dst: '10.96.0.2', proto: 'tcp', dport: 80, hook: 'PREROUTING'})).toEqual([{verdict: 'DROP', masq: false}])
    expect(flowOn(itp, 'node2', NODE2, {src: '192.168.56.12', dst: '10.96.0.2', proto: 'tcp', dport: 80, hook: 'OUTPUT'})).toEqual([{verdict: 'DROP', masq: false}])
  })
  it('internalTrafficPolicy Local with a NodePort: the NodePort still reaches every endpoint', () => {
    const s = stateOf(CASES['internal-local-nodeport'])
    expect(flowOn(s, 'node2', NODE2, {src: '10.244.1.9', dst: '10.96.0.2', proto: 'tcp', dport: 80, hook: 'PREROUTING'})).toEqual([{verdict: 'ACCEPT', masq: false, dnat: '10.244.1.5:80'}])
    expect(flowOn(s, 'node2', NODE2, {src: '192.168.56.1', dst: '192.168.56.12', proto: 'tcp', dport: 30080, hook: 'PREROUTING'}).map((o) => o.dnat)).toEqual(['10.244.0.5:80', '10.244.1.5:80'])
  })
  it('an external IP is handled like the ClusterIP, from outside and from the node, masqueraded', () => {
    const s = stateOf(CASES['external-ip'])
    const both = [{verdict: 'ACCEPT', masq: true, dnat: '10.244.0.5:80'}, {verdict: 'ACCEPT', masq: true, dnat: '10.244.1.5:80'}]
    expect(flowOn(s, 'node1', NODE1, {src: '192.168.56.1', dst: '192.168.56.200', proto: 'tcp', dport: 80, hook: 'PREROUTING'})).toEqual(both)
    expect(flowOn(s, 'node1', NODE1, {src: '192.168.56.11', dst: '192.168.56.200', proto: 'tcp', dport: 80, hook: 'OUTPUT'})).toEqual(both)
    expect(flowOn(s, 'node1', NODE1, {src: '192.168.56.1', dst: '192.168.56.200', proto: 'tcp', dport: 81, hook: 'PREROUTING'})).toEqual([{verdict: 'ACCEPT', masq: false}])
  })
  it('an external IP with externalTrafficPolicy Local on a node without an endpoint: outside traffic dropped, pods still served', () => {
    const s = stateOf(CASES['external-ip-local'])
    expect(flowOn(s, 'node2', NODE2, {src: '192.168.56.1', dst: '192.168.56.200', proto: 'tcp', dport: 80, hook: 'PREROUTING'})).toEqual([{verdict: 'DROP', masq: false}])
    expect(flowOn(s, 'node2', NODE2, {src: '10.244.1.9', dst: '192.168.56.200', proto: 'tcp', dport: 80, hook: 'PREROUTING'})).toEqual([{verdict: 'ACCEPT', masq: false, dnat: '10.244.0.5:80'}])
  })
  it('loadBalancerSourceRanges: a source in a range reaches the endpoints, another is dropped, the NodePort is not filtered', () => {
    const s = stateOf(CASES['source-ranges'])
    expect(flowOn(s, 'node1', NODE1, {src: '10.1.7.7', dst: '192.168.56.241', proto: 'tcp', dport: 80, hook: 'PREROUTING'}).map((o) => o.dnat)).toEqual(['10.244.0.5:80', '10.244.1.5:80'])
    expect(flowOn(s, 'node1', NODE1, {src: '10.9.9.9', dst: '192.168.56.241', proto: 'tcp', dport: 80, hook: 'PREROUTING'})).toEqual([{verdict: 'DROP', masq: false}])
    expect(flowOn(s, 'node1', NODE1, {src: '10.9.9.9', dst: '192.168.56.11', proto: 'tcp', dport: 30080, hook: 'PREROUTING'}).map((o) => o.dnat)).toEqual(['10.244.0.5:80', '10.244.1.5:80'])
  })
})

describe('trace\'s nft reader and the firewall chain', () => {
  const table = parseNft(`table ip mk8s {
	map firewall-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { 192.168.56.241 . tcp . 80 : goto firewall-CDGGSHYL-default/web/tcp/http }
	}
	map no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { 10.96.0.9 . tcp . 80 : drop }
	}
	chain firewall-CDGGSHYL-default/web/tcp/http {
		ip saddr != { 10.1.0.0/16, 192.168.56.0/24 } drop
	}
	chain firewall-AAAAAAAA-default/one/tcp/http {
		ip saddr != 192.168.56.1 drop
	}
}`)
  it('a source outside the ranges is dropped before any DNAT; one inside goes on', () => {
    expect(nftServiceBranches(table, {src: '10.9.9.9', dst: '192.168.56.241', proto: 'tcp', dport: 80}).map((x) => [x.verdict, x.chains])).toEqual([['DROP', ['firewall-CDGGSHYL-default/web/tcp/http']]])
    expect(nftServiceBranches(table, {src: '10.1.2.3', dst: '192.168.56.241', proto: 'tcp', dport: 80})).toEqual([])
    // a set of one address, as nft lists it
    const one = parseNft(`table ip mk8s {\n\tmap firewall-ips {\n\t\telements = { 192.168.56.242 . tcp . 80 : goto firewall-AAAAAAAA-default/one/tcp/http }\n\t}\n\tchain firewall-AAAAAAAA-default/one/tcp/http {\n\t\tip saddr != 192.168.56.1 drop\n\t}\n}`)
    expect(nftServiceBranches(one, {src: '192.168.56.12', dst: '192.168.56.242', proto: 'tcp', dport: 80}).map((x) => x.verdict)).toEqual(['DROP'])
    expect(nftServiceBranches(one, {src: '192.168.56.1', dst: '192.168.56.242', proto: 'tcp', dport: 80})).toEqual([])
  })
  it('a ClusterIP without a local endpoint (internalTrafficPolicy Local) is dropped', () => {
    expect(nftServiceBranches(table, {src: '10.244.1.9', dst: '10.96.0.9', proto: 'tcp', dport: 80}).map((x) => x.verdict)).toEqual(['DROP'])
  })
})

const base = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web'}}
const parse = (spec: Record<string, unknown>) => parseV1Service({...base, spec}, 'default')

describe('parsing the fields (exit 2 naming the field)', () => {
  it('ExternalName: a lower-case DNS name (a trailing dot allowed), ports optional, no ClusterIP', () => {
    expect(parse({type: 'ExternalName', externalName: 'db.example.com'})).toMatchObject({type: 'ExternalName', externalName: 'db.example.com', ports: []})
    expect(parse({type: 'ExternalName', externalName: 'db.example.com.'}).externalName).toBe('db.example.com.')
    exit2(() => parse({type: 'ExternalName'}), /spec\.externalName is required/)
    exit2(() => parse({type: 'ExternalName', externalName: 'DB.example.com'}), /spec\.externalName/)
    exit2(() => parse({type: 'ExternalName', externalName: 'db_1.example.com'}), /DNS-1123/)
    exit2(() => parse({type: 'ExternalName', externalName: 'db.example.com', clusterIP: '10.96.0.5'}), /no ClusterIP/)
    exit2(() => parse({type: 'ExternalName', externalName: 'db.example.com', ports: [{port: 80, nodePort: 30080}]}), /nodePort/)
    exit2(() => parse({externalName: 'db.example.com', ports: [{port: 80}]}), /only for type ExternalName/)
  })
  it('internalTrafficPolicy: Cluster is the default and not kept; Local is', () => {
    expect(parse({ports: [{port: 80}], internalTrafficPolicy: 'Cluster'}).internalTrafficPolicy).toBeUndefined()
    expect(parse({ports: [{port: 80}], internalTrafficPolicy: 'Local'}).internalTrafficPolicy).toBe('Local')
    exit2(() => parse({ports: [{port: 80}], internalTrafficPolicy: 'Node'}), /spec\.internalTrafficPolicy/)
  })
  it('sessionAffinityConfig.clientIP.timeoutSeconds: 1..86400, only with ClientIP; the default 10800 is not kept', () => {
    const aff = (t: number) => parse({ports: [{port: 80}], sessionAffinity: 'ClientIP', sessionAffinityConfig: {clientIP: {timeoutSeconds: t}}})
    expect(aff(60).sessionAffinityTimeout).toBe(60)
    expect(aff(86400).sessionAffinityTimeout).toBe(86400)
    expect(aff(10800).sessionAffinityTimeout).toBeUndefined()
    exit2(() => aff(0), /spec\.sessionAffinityConfig\.clientIP\.timeoutSeconds/)
    exit2(() => aff(86401), /spec\.sessionAffinityConfig\.clientIP\.timeoutSeconds/)
    exit2(() => parse({ports: [{port: 80}], sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}}), /must not be set when spec\.sessionAffinity is None/)
  })
  it('externalIPs: IPv4 addresses, each once, not loopback, link-local or multicast', () => {
    expect(parse({ports: [{port: 80}], externalIPs: ['192.168.56.200']}).externalIPs).toEqual(['192.168.56.200'])
    exit2(() => parse({ports: [{port: 80}], externalIPs: ['fd00::1']}), /spec\.externalIPs\[0\].*IPv4/)
    exit2(() => parse({ports: [{port: 80}], externalIPs: ['192.168.56.200', '127.0.0.1']}), /spec\.externalIPs\[1\].*127\.0\.0\.0\/8/)
    exit2(() => parse({ports: [{port: 80}], externalIPs: ['1.2.3.4', '1.2.3.4']}), /twice/)
    exit2(() => parse({clusterIP: 'None', externalIPs: ['1.2.3.4']}), /headless/)
  })
  it('loadBalancerSourceRanges: IPv4 networks, type LoadBalancer only', () => {
    expect(parse({type: 'LoadBalancer', ports: [{port: 80}], loadBalancerSourceRanges: ['10.0.0.0/8', ' 192.168.56.0/24']}).loadBalancerSourceRanges).toEqual(['10.0.0.0/8', '192.168.56.0/24'])
    exit2(() => parse({type: 'LoadBalancer', ports: [{port: 80}], loadBalancerSourceRanges: ['10.0.0.1/8']}), /spec\.loadBalancerSourceRanges\[0\].*host bits/)
    exit2(() => parse({type: 'LoadBalancer', ports: [{port: 80}], loadBalancerSourceRanges: ['nowhere']}), /spec\.loadBalancerSourceRanges\[0\]/)
    exit2(() => parse({type: 'NodePort', ports: [{port: 80}], loadBalancerSourceRanges: ['10.0.0.0/8']}), /only for type LoadBalancer/)
  })
  it('publishNotReadyAddresses: kept when true', () => {
    expect(parse({ports: [{port: 80}], publishNotReadyAddresses: true}).publishNotReadyAddresses).toBe(true)
    expect(parse({ports: [{port: 80}], publishNotReadyAddresses: false}).publishNotReadyAddresses).toBeUndefined()
    exit2(() => parse({ports: [{port: 80}], publishNotReadyAddresses: 'yes'}), /spec\.publishNotReadyAddresses/)
  })
  it('the field tree accepts every one of them (nothing refused)', () => {
    const doc = {...base, spec: {type: 'LoadBalancer', ports: [{port: 80}], internalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}, externalIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['10.0.0.0/8'], publishNotReadyAddresses: true}}
    expect(walk(serviceFields, doc)).toEqual([])
    expect(walk(serviceFields, {...base, spec: {type: 'ExternalName', externalName: 'db.example.com'}})).toEqual([])
  })
})

describe('re-applying a Service updates it in place', () => {
  const build = (s: ReturnType<typeof fixture>, spec: Record<string, unknown>) => {
    const rec = buildService(s, parse(spec))
    s.services['default/web'] = rec
    return rec
  }
  it('another type, ports or selector keep the ClusterIP (and the uid)', () => {
    const s = fixture([], [svc('other', '10.96.0.2')])
    const first = build(s, {selector: {app: 'web'}, ports: [{port: 80}]})
    expect(first.clusterIP).toBe('10.96.0.3')
    for (const spec of [
      {type: 'NodePort', selector: {app: 'web'}, ports: [{port: 80}]},
      {type: 'LoadBalancer', selector: {app: 'web'}, ports: [{port: 80}]},
      {type: 'LoadBalancer', selector: {app: 'web'}, ports: [{name: 'a', port: 81}, {name: 'b', port: 82}]},
      {selector: {app: 'api'}, ports: [{port: 8080}]},
    ]) {
      const rec = build(s, spec)
      expect([rec.clusterIP, rec.uid, rec.type]).toEqual(['10.96.0.3', first.uid, spec.type ?? 'ClusterIP'])
    }
  })
  it('to ExternalName the ClusterIP is freed (another service may take it); back, one is allocated', () => {
    const s = fixture([], [])
    expect(build(s, {ports: [{port: 80}]}).clusterIP).toBe('10.96.0.2')
    const named = build(s, {type: 'ExternalName', externalName: 'db.example.com'})
    expect([named.clusterIP, named.externalName, clusterIPText(named)]).toEqual(['', 'db.example.com', '<none>'])
    s.services['default/other'] = buildService(s, parseV1Service({...base, metadata: {name: 'other'}, spec: {ports: [{port: 80}]}}, 'default'))
    expect(s.services['default/other'].clusterIP).toBe('10.96.0.2')
    const back = build(s, {ports: [{port: 80}]})
    expect([back.clusterIP, back.externalName]).toEqual(['10.96.0.3', undefined])
  })
})

describe('shown in kubectl\'s shapes', () => {
  const rec = (extra: Partial<ServiceRecord>) => svc('web', '10.96.0.2', extra)
  it('EXTERNAL-IP: the external name; the LoadBalancer address and external IPs; <pending>; <none>', () => {
    expect(externalIP(rec({type: 'ExternalName', clusterIP: '', externalName: 'db.example.com'}))).toBe('db.example.com')
    expect(externalIP(rec({type: 'LoadBalancer', loadBalancerIP: '192.168.56.241', externalIPs: ['1.2.3.4']}))).toBe('192.168.56.241,1.2.3.4')
    expect(externalIP(rec({externalIPs: ['1.2.3.4', '1.2.3.5']}))).toBe('1.2.3.4,1.2.3.5')
    expect(externalIP(rec({type: 'LoadBalancer'}))).toBe('<pending>')
    expect(externalIP(rec({}))).toBe('<none>')
  })
  it('-o json: the fields where a v1 Service has them; an ExternalName service has no clusterIP', () => {
    const v = toV1Service(rec({...LB, internalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', sessionAffinityTimeout: 60, externalIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['10.0.0.0/8'], publishNotReadyAddresses: true}))
    expect(v.spec).toMatchObject({internalTrafficPolicy: 'Local', sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}, externalIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['10.0.0.0/8'], publishNotReadyAddresses: true})
    expect(toV1Service(rec({sessionAffinity: 'ClientIP'})).spec).toMatchObject({internalTrafficPolicy: 'Cluster', sessionAffinityConfig: {clientIP: {timeoutSeconds: 10800}}})
    const named = toV1Service(rec({type: 'ExternalName', clusterIP: '', externalName: 'db.example.com', ports: []})).spec
    expect(named).toMatchObject({type: 'ExternalName', externalName: 'db.example.com'})
    expect(Object.keys(named)).not.toContain('clusterIP')
    expect(Object.keys(named)).not.toContain('internalTrafficPolicy')
  })
  it('describe names them', () => {
    const text = describeService(fixture([], []), rec({...LB, internalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', sessionAffinityTimeout: 60, externalIPs: ['1.2.3.4'], loadBalancerSourceRanges: ['10.0.0.0/8']}))
    for (const line of [/External IPs:\s+1\.2\.3\.4/, /LoadBalancer Source Ranges:\s+10\.0\.0\.0\/8/, /Session Affinity Timeout:\s+60s/, /Internal Traffic Policy:\s+Local/]) expect(text).toMatch(line)
  })
  it('export gives back what apply reads', () => {
    for (const spec of [
      {type: 'LoadBalancer', selector: {app: 'web'}, ports: [{port: 80}], internalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}, externalIPs: ['1.2.3.4'], externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['10.0.0.0/8'], publishNotReadyAddresses: true},
      {type: 'ExternalName', externalName: 'db.example.com'},
      {selector: {app: 'web'}, ports: [{port: 80}], externalIPs: ['1.2.3.4'], externalTrafficPolicy: 'Local'},
    ]) {
      const s = fixture([], [])
      const r = buildService(s, parse(spec))
      const again = parseV1Service(serviceManifest(r), 'default')
      expect(walk(serviceFields, serviceManifest(r))).toEqual([])
      expect(buildService(s, again)).toEqual({...r, createdAt: expect.any(String), uid: expect.any(String)})
    }
  })
})

describe('mk8s trace over those rules (iptables)', () => {
  const st = clusterState([tracePod('a', 'node1', '10.244.0.5', {app: 'web'}), tracePod('c', 'node2', '10.244.1.6')], [
    {...web(), name: 'local', internalTrafficPolicy: 'Local'},
    {...web(), name: 'lb', clusterIP: '10.96.0.21', ...LB, loadBalancerSourceRanges: ['192.168.56.1/32']},
  ])
  const facts = factsOf(st)
  for (const n of ['node1', 'node2']) facts.get(n)!.iptables = programmedRules(st, n)
  const run = (from: string, to: string) => traceWalk({state: st, facts, from: requireSource(resolveEndpoint(st, 'default', from)), to: resolveEndpoint(st, 'default', to)})
  it('a pod on a node without a local endpoint: the service hop names the Local policy', () => {
    const r = run('pod/c', 'svc/local:80')
    expect(r.ok).toBe(false)
    expect(r.broken).toMatchObject({host: 'node2', hop: 'service'})
    expect(r.broken!.cause).toBe('the service has no endpoint on this node and its traffic policy is Local: KUBE-SERVICES DROPs it on node2')
  })
  it('a source outside loadBalancerSourceRanges: KUBE-PROXY-FIREWALL named', () => {
    const r = run('node/node2', '192.168.56.241:80')
    expect(r.broken!.cause).toBe("the source 192.168.56.12 is outside the service's loadBalancerSourceRanges: KUBE-PROXY-FIREWALL DROPs it on node2")
    // a pod's traffic to the ClusterIP of the same service is not filtered
    expect(run('pod/c', 'svc/lb:80').hops.find((h) => h.kind === 'service')).toMatchObject({ok: true})
  })
  it('an ExternalName service cannot be traced: it has no address (exit 2)', () => {
    const s2 = clusterState([], [{...web(), name: 'db', type: 'ExternalName', clusterIP: '', externalName: 'db.example.com', ports: []}])
    exit2(() => resolveEndpoint(s2, 'default', 'svc/db'), /ExternalName: it is the DNS name db\.example\.com/)
  })
})
