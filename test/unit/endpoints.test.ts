import {describe, expect, it} from 'vitest'
import {clusterInit} from '../../src/lib/cluster/service.js'
import {InputError} from '../../src/lib/errors.js'
import {derivedSliceName} from '../../src/lib/endpoints/model.js'
import {listEndpoints, listSlices} from '../../src/lib/endpoints/v1.js'
import {exportManifests} from '../../src/lib/export/manifests.js'
import {toV1Endpoints, endpointsText} from '../../src/lib/kubectl/v1.js'
import {getGroups} from '../../src/lib/kubectl/resources.js'
import {resolveKind} from '../../src/lib/kubectl/kinds.js'
import {deleteTargets, resolveTargets} from '../../src/lib/kubectl/verbs.js'
import {printGroups} from '../../src/lib/kubectl/printers.js'
import {applyAll, parseManifests} from '../../src/lib/manifest/parse.js'
import {deleteAll} from '../../src/lib/manifest/read.js'
import {nodeJoin} from '../../src/lib/node/service.js'
import type {EndpointSliceRecord, EndpointsRecord, State} from '../../src/lib/state/schema.js'
import {endpointAddresses, endpointsOf} from '../../src/lib/svc/endpoints.js'
import {iptablesFullRestore} from '../../src/lib/svc/iptables.plan.js'
import {nftFullScript} from '../../src/lib/svc/nft.plan.js'
import {proxyPorts} from '../../src/lib/svc/model.js'
import {incrementalServicesPlan, serviceFragment, touchedServices} from '../../src/lib/svc/sync.js'
import {fixture, flowOn, pod, svc} from './svc-fixture.js'
import {harness, stable} from './harness.js'

const T = '2024-01-01T00:00:00.000Z'

function parse(yaml: string) {
  try {
    return {objs: parseManifests(yaml, 'f.yaml', 'default')}
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return {error: error.message, hint: error.hint, exitCode: error.exitCode}
  }
}

const ENDPOINTS = `apiVersion: v1
kind: Endpoints
metadata: {name: ext}
subsets:
- addresses: [{ip: 10.244.1.5, nodeName: node2, targetRef: {kind: Machine, name: box}}, {ip: 192.168.56.1}]
  notReadyAddresses: [{ip: 10.244.1.9}]
  ports: [{name: http, port: 8080}]
`
const SLICE = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ext-1
  labels: {kubernetes.io/service-name: ext}
addressType: IPv4
endpoints:
- addresses: [192.168.56.12]
  conditions: {ready: true}
  nodeName: node2
- addresses: [192.168.56.13]
  conditions: {ready: false}
ports: [{name: http, port: 9000, protocol: TCP}]
`

describe('Endpoints and EndpointSlice manifests', () => {
  it('parse as applied: addresses, notReadyAddresses, ports; targetRef of any kind kept', () => {
    const r = parse(`${ENDPOINTS}---\n${SLICE}`)
    expect(r.error).toBeUndefined()
    const [e, s] = r.objs!.map((o) => (o.value as {input: unknown}).input)
    expect(e).toEqual({namespace: 'default', name: 'ext', labels: {}, subsets: [{addresses: [{ip: '10.244.1.5', nodeName: 'node2', targetRef: {kind: 'Machine', name: 'box'}}, {ip: '192.168.56.1'}], notReadyAddresses: [{ip: '10.244.1.9'}], ports: [{name: 'http', port: 8080, protocol: 'TCP'}]}]})
    expect(s).toEqual({namespace: 'default', name: 'ext-1', labels: {'kubernetes.io/service-name': 'ext'}, addressType: 'IPv4', endpoints: [{addresses: ['192.168.56.12'], conditions: {ready: true}, nodeName: 'node2'}, {addresses: ['192.168.56.13'], conditions: {ready: false}}], ports: [{name: 'http', port: 9000, protocol: 'TCP'}]})
  })

  it.each([
    ['an IPv6 address', ENDPOINTS.replace('10.244.1.5', 'fd00::5'), 'subsets[0].addresses[0].ip: "fd00::5" is not an IPv4 address'],
    ['a loopback address', ENDPOINTS.replace('192.168.56.1}', '127.0.0.1}'), 'subsets[0].addresses[1].ip: 127.0.0.1 is a loopback address'],
    ['a not-ready link-local address', ENDPOINTS.replace('10.244.1.9', '169.254.1.1'), 'subsets[0].notReadyAddresses[0].ip: 169.254.1.1 is a link-local address'],
    ['two unnamed ports', ENDPOINTS.replace('[{name: http, port: 8080}]', '[{port: 80}, {port: 81}]'), 'subsets[0].ports[0].name: every port needs a name when there are several'],
    ['an SCTP port', ENDPOINTS.replace('port: 8080}', 'port: 8080, protocol: SCTP}'), 'subsets[0].ports[0].protocol'],
    ['an appProtocol', ENDPOINTS.replace('port: 8080}', 'port: 8080, appProtocol: http}'), 'subsets[0].ports[0].appProtocol: mk8s keeps no application protocol'],
    ['a misspelt field', ENDPOINTS.replace('notReadyAddresses', 'notReadyAdresses'), 'subsets[0].notReadyAdresses: unknown field'],
    ['an IPv6 slice', SLICE.replace('addressType: IPv4', 'addressType: IPv6'), 'addressType: mk8s serves IPv4 endpoints only, not "IPv6"'],
    ['an FQDN slice', SLICE.replace('addressType: IPv4', 'addressType: FQDN'), 'addressType: mk8s serves IPv4 endpoints only, not "FQDN"'],
    ['an IPv6 address in an IPv4 slice', SLICE.replace('192.168.56.12', '::1'), 'endpoints[0].addresses[0]: "::1" is not an IPv4 address'],
    ['topology hints', SLICE.replace('nodeName: node2', 'nodeName: node2\n  hints: {forZones: [{name: a}]}'), 'endpoints[0].hints: mk8s has no topology-aware routing'],
    ['a slice port without a number', SLICE.replace('port: 9000, ', ''), 'ports[0].port'],
    ['a bad hostname', SLICE.replace('nodeName: node2', 'nodeName: node2\n  hostname: Web_1'), 'endpoints[0].hostname: "Web_1" is not a valid hostname'],
  ])('%s is exit 2 naming the path, with the fix', (_name, yaml, want) => {
    const r = parse(yaml)
    expect(r.exitCode).toBe(2)
    expect(r.error).toContain(want)
    expect(r.hint).toBeTruthy()
  })

  it('an FQDN slice is told to list the addresses instead', () => {
    expect(parse(SLICE.replace('addressType: IPv4', 'addressType: FQDN')).hint).toContain('list the IPv4 addresses the name resolves to')
  })

  it('what kubectl get -o yaml prints of an Endpoints applies (server fields accepted)', () => {
    const r = parse(`apiVersion: v1
kind: Endpoints
metadata:
  name: ext
  namespace: default
  uid: 2b1d7b8a-9f9b-4d8e-8a59-1c9e4cc0f111
  resourceVersion: "812"
  creationTimestamp: "2026-11-30T10:00:00Z"
  annotations: {endpoints.kubernetes.io/last-change-trigger-time: "2026-11-30T10:00:00Z"}
subsets:
- addresses: [{ip: 10.244.1.5}]
  ports: [{port: 80, protocol: TCP}]
`)
    expect(r.error).toBeUndefined()
  })
})

const endpointsRec = (name: string, subsets: EndpointsRecord['subsets']): EndpointsRecord => ({namespace: 'default', name, uid: `uid-ep-${name}`, labels: {}, subsets, createdAt: T})
const sliceRec = (name: string, service: string | undefined, endpoints: EndpointSliceRecord['endpoints'], ports: EndpointSliceRecord['ports'], labels: Record<string, string> = {}): EndpointSliceRecord => ({namespace: 'default', name, uid: `uid-es-${name}`, labels: {...(service ? {'kubernetes.io/service-name': service} : {}), ...labels}, addressType: 'IPv4', endpoints, ports, createdAt: T})

/** A selectorless ClusterIP service "ext" with an Endpoints object and a slice, beside a selector service "web" with one pod. */
function state(mode: 'iptables' | 'nftables' = 'iptables'): State {
  const s = fixture([pod('a', 'node1', '10.244.0.5', {app: 'web'}, [{name: 'http', containerPort: 80}])], [svc('web', '10.96.0.2'), svc('ext', '10.96.0.9', {selector: {}})], mode)
  s.endpoints['default/ext'] = endpointsRec('ext', [{addresses: [{ip: '10.244.1.5', nodeName: 'node2'}, {ip: '192.168.56.1'}], notReadyAddresses: [{ip: '10.244.1.9'}], ports: [{name: 'http', port: 8080, protocol: 'TCP'}]}])
  s.endpointSlices['default/ext-1'] = sliceRec('ext-1', 'ext', [{addresses: ['192.168.56.12'], conditions: {ready: true}, nodeName: 'node2'}, {addresses: ['192.168.56.13'], conditions: {ready: false}}], [{name: 'http', port: 9000, protocol: 'TCP'}])
  return s
}

const eps = (s: State, key: string) => endpointsOf(s, s.services[key]).map((p) => ({port: p.port.name ?? '', endpoints: p.endpoints.map((e) => `${e.ip}:${e.port}${e.pod ? ` pod ${e.pod}` : ''}${e.node ? ` on ${e.node}` : ''}`)}))

describe('endpointsOf: the addresses listed by hand beside the pods', () => {
  it('a selectorless service: its Endpoints\' ready addresses and its slices\' ready endpoints, by port name', () => {
    expect(eps(state(), 'default/ext')).toEqual([{port: 'http', endpoints: ['10.244.1.5:8080 on node2', '192.168.56.1:8080', '192.168.56.12:9000 on node2']}])
  })
  it('ports match by name and protocol: an unnamed service port takes the unnamed endpoints port, a named one no other', () => {
    const s = state()
    s.services['default/ext'].ports = [{protocol: 'TCP', port: 80, targetPort: 80}]
    expect(eps(s, 'default/ext')).toEqual([{port: '', endpoints: []}])
    s.endpoints['default/ext'].subsets[0].ports = [{port: 8080, protocol: 'TCP'}]
    expect(eps(s, 'default/ext')).toEqual([{port: '', endpoints: ['10.244.1.5:8080 on node2', '192.168.56.1:8080']}])
    s.endpoints['default/ext'].subsets[0].ports = [{port: 8080, protocol: 'UDP'}]
    expect(eps(s, 'default/ext')).toEqual([{port: '', endpoints: []}])
  })
  it('a service with a selector takes its pods: an Endpoints named like it is not used, a slice labelled for it is (as kube-proxy), a controller-made one is not', () => {
    const s = state()
    s.endpoints['default/web'] = endpointsRec('web', [{addresses: [{ip: '10.244.1.77'}], notReadyAddresses: [], ports: [{name: 'http', port: 80, protocol: 'TCP'}]}])
    expect(eps(s, 'default/web')).toEqual([{port: 'http', endpoints: ['10.244.0.5:80 pod a on node1']}])
    s.endpointSlices['default/web-extra'] = sliceRec('web-extra', 'web', [{addresses: ['192.168.56.20']}, {addresses: ['10.244.0.5']}], [{name: 'http', port: 80, protocol: 'TCP'}])
    s.endpointSlices['default/web-old'] = sliceRec('web-old', 'web', [{addresses: ['10.244.1.99']}], [{name: 'http', port: 80, protocol: 'TCP'}], {'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io'})
    // the pod's address once, the slice's other address after it
    expect(eps(s, 'default/web')).toEqual([{port: 'http', endpoints: ['10.244.0.5:80 pod a on node1', '192.168.56.20:80']}])
  })
  it('a slice of another namespace or without the label gives nothing', () => {
    const s = state()
    s.endpointSlices['other/ext-2'] = {...sliceRec('ext-2', 'ext', [{addresses: ['192.168.56.30']}], [{name: 'http', port: 1, protocol: 'TCP'}]), namespace: 'other'}
    s.endpointSlices['default/loose'] = sliceRec('loose', undefined, [{addresses: ['192.168.56.31']}], [{name: 'http', port: 1, protocol: 'TCP'}])
    expect(eps(s, 'default/ext')).toEqual(eps(state(), 'default/ext'))
  })
  it('endpointAddresses (headless DNS): every ready address once, whatever the ports', () => {
    const s = state()
    s.services['default/ext'] = {...s.services['default/ext'], clusterIP: 'None', ports: []}
    expect(endpointAddresses(s, s.services['default/ext'])).toEqual([{ip: '10.244.1.5'}, {ip: '192.168.56.1'}, {ip: '192.168.56.12'}])
  })
})

describe('the proxy rules of a selectorless service with endpoints', () => {
  it('iptables: one KUBE-SEP per listed ready address, not-ready ones left out (golden)', () => {
    expect(iptablesFullRestore([serviceFragment(state('iptables'), 'default/ext', 'node2', 'iptables')])).toMatchSnapshot()
  })
  it('nftables: the same endpoints as verdict map elements (golden)', () => {
    expect(nftFullScript([serviceFragment(state('nftables'), 'default/ext', 'node2', 'nftables')])).toMatchSnapshot()
  })
  it('externalTrafficPolicy Local: an address is local on the node its nodeName names, nowhere without one', () => {
    const s = state()
    s.services['default/ext'] = {...s.services['default/ext'], type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30090}]}
    const local = (node: string) => proxyPorts(s, s.services['default/ext'], node)[0].endpoints.filter((e) => e.local).map((e) => e.ip)
    expect([local('node1'), local('node2')]).toEqual([[], ['10.244.1.5', '192.168.56.12']])
  })
  it('a packet to the ClusterIP is DNATed to each listed address, as trace reads the rules', () => {
    const flows = flowOn(state(), 'node1', ['192.168.56.11'], {src: '10.244.0.5', dst: '10.96.0.9', proto: 'tcp', dport: 80, hook: 'PREROUTING'})
    expect(flows.map((f) => f.dnat).sort()).toEqual(['10.244.1.5:8080', '192.168.56.12:9000', '192.168.56.1:8080'])
  })
})

describe('touchedServices: an Endpoints or EndpointSlice change touches its Service', () => {
  const changes: Array<[string, (s: State) => void, string[]]> = [
    ['an Endpoints address added', (s) => s.endpoints['default/ext'].subsets[0].addresses.push({ip: '192.168.56.2'}), ['default/ext']],
    ['an Endpoints deleted', (s) => delete s.endpoints['default/ext'], ['default/ext']],
    ['an Endpoints of no service', (s) => (s.endpoints['default/none'] = endpointsRec('none', [])), []],
    ['a slice made ready', (s) => (s.endpointSlices['default/ext-1'].endpoints[1].conditions = {ready: true}), ['default/ext']],
    ['a slice relabelled to another service', (s) => (s.endpointSlices['default/ext-1'].labels = {'kubernetes.io/service-name': 'web'}), ['default/ext', 'default/web']],
    ['a slice deleted', (s) => delete s.endpointSlices['default/ext-1'], ['default/ext']],
  ]
  it.each(changes)('%s', (_n, change, want) => {
    const before = state()
    const after = structuredClone(before)
    change(after)
    expect(touchedServices(before, after).sort()).toEqual(want)
  })
  it.each(changes)('%s: the same plan as planning every service, both modes', (_n, change) => {
    for (const mode of ['iptables', 'nftables'] as const) {
      const before = state(mode)
      const after = structuredClone(before)
      change(after)
      const every = Object.keys(after.services)
      for (const node of Object.values(after.nodes)) expect(incrementalServicesPlan(before, after, node)).toEqual(incrementalServicesPlan(before, after, node, every))
    }
  })
})

describe('get endpoints / endpointslices', () => {
  it('a selector service shows its derived objects; a selectorless one its applied ones; kubectl\'s columns', async () => {
    const s = state()
    expect(listEndpoints(s, (x) => toV1Endpoints(s, x)).map((e) => `${e.name} ${e.derived ? 'derived' : 'applied'} ${endpointsText(e.obj)}`)).toEqual(['ext applied 10.244.1.5:8080,192.168.56.1:8080', 'web derived 10.244.0.5:80'])
    const slices = listSlices(s)
    expect(slices.map((e) => `${e.name} ${e.derived ? 'derived' : 'applied'}`)).toEqual(['ext-1 applied', `${derivedSliceName(s.services['default/web'])} derived`])
    expect(derivedSliceName(s.services['default/web'])).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
    expect(slices[1].obj).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {name: derivedSliceName(s.services['default/web']), namespace: 'default', uid: 'uid-web', creationTimestamp: T, labels: {'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': 'web'}},
      addressType: 'IPv4',
      endpoints: [{addresses: ['10.244.0.5'], conditions: {ready: true, serving: true, terminating: false}, nodeName: 'node1', targetRef: {kind: 'Pod', name: 'a', namespace: 'default', uid: 'uid-a'}}],
      ports: [{name: 'http', protocol: 'TCP', port: 80}],
    })
  })

  it('tables with kubectl\'s columns (a cluster through the verbs)', async () => {
    const h = harness()
    await clusterInit(h.ctx, {})
    await nodeJoin(h.ctx, 'node1', {ssh: 'root@192.168.56.11'})
    await applyAll(h.ctx, parseManifests(`apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {ports: [{name: http, port: 80}]}\n---\n${ENDPOINTS}---\n${SLICE}`, 'f.yaml', 'default'))
    const q = {namespace: 'default', selector: [], fields: [], now: Date.parse(T) + 60_000}
    const {groups} = await getGroups(h.ctx, [{kind: resolveKind('ep'), names: []}, {kind: resolveKind('endpointslices'), names: []}], q)
    const table = printGroups(groups.map((g) => ({...g, rows: g.rows.map((r) => ({...r, cells: [...r.cells.slice(0, -1), 'AGE']}))})), {output: {t: 'table'}})
    expect(table).toBe(`NAME   ENDPOINTS                           AGE
ext    10.244.1.5:8080,192.168.56.1:8080   AGE

NAME    ADDRESSTYPE   PORTS   ENDPOINTS                     AGE
ext-1   IPv4          9000    192.168.56.12,192.168.56.13   AGE`)
  })
})

describe('apply -f, delete -f and the derived objects', () => {
  async function cluster(mode: 'iptables' | 'nftables' = 'iptables') {
    const h = harness()
    await clusterInit(h.ctx, {proxyMode: mode})
    await nodeJoin(h.ctx, 'node1', {ssh: 'root@192.168.56.11'})
    await applyAll(h.ctx, parseManifests(`apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {ports: [{name: http, port: 80}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{name: http, port: 80}]}\n`, 'f.yaml', 'default'))
    h.clear()
    return h
  }

  it.each(['iptables', 'nftables'] as const)('%s: apply -f of an Endpoints and a slice programs only that service\'s rules (golden)', async (mode) => {
    const h = await cluster(mode)
    const lines = await applyAll(h.ctx, parseManifests(`${ENDPOINTS}---\n${SLICE}`, 'f.yaml', 'default'))
    expect(lines).toEqual(['endpoints/ext created', 'endpointslice.discovery.k8s.io/ext-1 created'])
    await expect(stable(h.text())).toMatchFileSnapshot(`goldens/apply-endpoints-${mode}.txt`)
    h.clear()
    expect(await applyAll(h.ctx, parseManifests(ENDPOINTS, 'f.yaml', 'default'))).toEqual(['endpoints/ext unchanged'])
    expect(h.text()).toBe('')
  })

  it('apply says when an object will not be used, and why', async () => {
    const h = await cluster()
    const lines = await applyAll(h.ctx, parseManifests(`${ENDPOINTS.replace('name: ext', 'name: web')}---\n${SLICE.replace('name: http, port: 9000', 'name: web, port: 9000')}---\n${SLICE.replace('ext-1', 'loose').replace('labels: {kubernetes.io/service-name: ext}', 'labels: {}')}`, 'f.yaml', 'default'))
    expect(lines[0]).toBe("endpoints/web created (not used: service web has a selector, so its endpoints are the pods it selects (Kubernetes' endpoints controller overwrites such an object); remove the selector to list them by hand)")
    expect(lines[1]).toBe('endpointslice.discovery.k8s.io/ext-1 created (port "web"/TCP matches no port of service ext (ports match by name and protocol; its ports are "http"/TCP))')
    expect(lines[2]).toBe('endpointslice.discovery.k8s.io/loose created (not used: without a kubernetes.io/service-name label it gives no Service endpoints)')
  })

  it('an address in the service CIDR is exit 2 before the state changes', async () => {
    const h = await cluster()
    const before = JSON.stringify(h.ctx.store.read())
    await expect(applyAll(h.ctx, parseManifests(ENDPOINTS.replace('192.168.56.1}', '10.96.0.10}'), 'f.yaml', 'default'))).rejects.toThrowError(expect.objectContaining({exitCode: 2, message: expect.stringContaining('subsets[0].addresses[1].ip: 10.96.0.10 is in the service CIDR 10.96.0.0/12')}))
    expect(JSON.stringify(h.ctx.store.read())).toBe(before)
  })

  it('delete -f removes them and their rules; a derived one is refused, naming what to do', async () => {
    const h = await cluster()
    await applyAll(h.ctx, parseManifests(`${ENDPOINTS}---\n${SLICE}`, 'f.yaml', 'default'))
    const derived = listSlices(h.ctx.store.read()).find((e) => e.derived)!.name
    for (const [kind, name, service] of [['ep', 'web', 'web'], ['endpointslices', derived, 'web']]) {
      const targets = resolveTargets(h.ctx.store.read(), [kind, name], {namespace: 'default', verb: 'delete'})
      await expect(deleteTargets(h.ctx, targets)).rejects.toThrowError(expect.objectContaining({exitCode: 2, message: expect.stringContaining('is derived from the pods service web selects'), hint: `delete the service (mk8s delete service ${service}), or change its selector or the pods' labels`}))
    }
    h.clear()
    const out = await deleteAll(h.ctx, parseManifests(`${ENDPOINTS}---\n${SLICE}`, 'f.yaml', 'default'), false)
    expect(out.map((o) => o.result)).toEqual(['endpoints "ext" deleted', 'endpointslice.discovery.k8s.io "ext-1" deleted'])
    const s = h.ctx.store.read()
    expect([Object.keys(s.endpoints), Object.keys(s.endpointSlices)]).toEqual([[], []])
    expect(endpointsOf(s, s.services['default/ext'])[0].endpoints).toEqual([])
    expect(h.text()).toContain('REJECT')
  })

  it('export gives them back as applied (not the derived ones)', async () => {
    const h = await cluster()
    await applyAll(h.ctx, parseManifests(`${ENDPOINTS}---\n${SLICE}`, 'f.yaml', 'default'))
    const m = exportManifests(h.ctx.store.read()).filter((x) => x.kind.startsWith('Endpoint'))
    expect(m).toEqual([
      {apiVersion: 'v1', kind: 'Endpoints', metadata: {name: 'ext', namespace: 'default'}, subsets: [{addresses: [{ip: '10.244.1.5', nodeName: 'node2', targetRef: {kind: 'Machine', name: 'box'}}, {ip: '192.168.56.1'}], notReadyAddresses: [{ip: '10.244.1.9'}], ports: [{name: 'http', port: 8080, protocol: 'TCP'}]}]},
      {apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: {name: 'ext-1', namespace: 'default', labels: {'kubernetes.io/service-name': 'ext'}}, addressType: 'IPv4', endpoints: [{addresses: ['192.168.56.12'], conditions: {ready: true}, nodeName: 'node2'}, {addresses: ['192.168.56.13'], conditions: {ready: false}}], ports: [{name: 'http', port: 9000, protocol: 'TCP'}]},
    ])
    // and they apply again as they are
    const YAML = (await import('yaml')).default
    expect(parseManifests(m.map((x) => YAML.stringify(x)).join('---\n'), 'export', 'default').map((o) => o.kind)).toEqual(['Endpoints', 'EndpointSlice'])
  })
})
