import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TestCluster, labAddress} from './helpers.js'

/**
 * A Service without a selector gets its backends from an Endpoints object (a pod's address) and an
 * EndpointSlice (a host-network server on another node), as in Kubernetes: traffic to its
 * ClusterIP from a pod reaches exactly the ready addresses listed; deleting them takes them away.
 * A Service with a selector shows its derived Endpoints and EndpointSlice, read-only.
 */
const SERVE = (body: string, port: number) => ['sh', '-c', `mkdir -p /tmp/www && echo ${body} > /tmp/www/index.html && exec httpd -f -p ${port} -h /tmp/www`]

const service = `apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: backend}
  ports: [{name: http, port: 80, targetPort: 8080}]
`
const endpoints = (podIP: string) => `apiVersion: v1
kind: Endpoints
metadata: {name: ext}
subsets:
- addresses: [{ip: ${podIP}, targetRef: {kind: Pod, name: backend}}]
  notReadyAddresses: [{ip: ${labAddress('node2')}}]
  ports: [{name: http, port: 8080}]
`
const slice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ext-hosts
  labels: {kubernetes.io/service-name: ext}
addressType: IPv4
endpoints:
- addresses: [${labAddress('node3')}]
  conditions: {ready: true}
  nodeName: node3
- addresses: [${labAddress('node2')}]
  conditions: {ready: false}
ports: [{name: http, port: 9090, protocol: TCP}]
`

describe('Endpoints and EndpointSlices for a Service without a selector', () => {
  const c = new TestCluster()
  let podIP = ''
  let clusterIP = ''

  /** n requests from the client pod to the ClusterIP, in one exec: the bodies ("failed" for none). */
  const fromClient = async (n: number) => {
    const r = await c.run(['pod', 'exec', 'client', '--', 'sh', '-c', `for i in $(seq ${n}); do timeout 3 wget -qO- http://${clusterIP}/ || echo failed; done`])
    return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)
  }
  const answering = async (url: string, body: string) => {
    for (let i = 0; i < 50; i++) {
      if ((await c.run(['pod', 'exec', 'client', '--', 'timeout', '2', 'wget', '-qO-', url])).stdout.trim() === body) return
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error(`${url} does not answer ${body}`)
  }

  beforeAll(async () => {
    await c.up()
    await c.ok(['pod', 'run', 'backend', '--image', 'mk8s/busybox', '-l', 'app=backend', '--port', '8080', '--node', 'node2', '--', ...SERVE('pod-backend', 8080)])
    await c.ok(['pod', 'run', 'hostweb', '--image', 'mk8s/busybox', '--host-network', '--node', 'node3', '--', ...SERVE('host-node3', 9090)])
    await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', 'node1', '--', 'sleep', '3600'])
    podIP = (await c.json(['pod', 'get', 'backend'])).status.podIP
    await answering(`http://${podIP}:8080/`, 'pod-backend')
    await answering(`http://${labAddress('node3')}:9090/`, 'host-node3')
    await c.ok(['apply', '-f', '-'], {input: service})
    clusterIP = (await c.json(['svc', 'get', 'ext'])).spec.clusterIP
  }, 180_000)
  afterAll(async () => {
    await c.down()
  })

  it('without endpoints the ClusterIP refuses', async () => {
    expect(await fromClient(2)).toEqual(['failed', 'failed'])
  })

  it('an Endpoints (a pod) and an EndpointSlice (a host-network server on another node): traffic reaches both, never a not-ready address', async () => {
    const out = await c.ok(['apply', '-f', '-'], {input: `${endpoints(podIP)}---\n${slice}`})
    expect(out.trim().split('\n')).toEqual(['endpoints/ext created', 'endpointslice.discovery.k8s.io/ext-hosts created'])
    const bodies = await fromClient(24)
    expect(new Set(bodies)).toEqual(new Set(['pod-backend', 'host-node3']))
    const ep = await c.ok(['get', 'ep', 'ext', '--no-headers'])
    expect(ep.split(/\s+/).slice(0, 2)).toEqual(['ext', `${podIP}:8080`])
    const es = await c.ok(['get', 'endpointslices', 'ext-hosts', '--no-headers'])
    expect(es.split(/\s+/).slice(0, 4)).toEqual(['ext-hosts', 'IPv4', '9090', `${labAddress('node3')},${labAddress('node2')}`])
  })

  it('a Service with a selector shows its pods as derived Endpoints and EndpointSlice, which cannot be deleted', async () => {
    const ep = await c.json(['get', 'ep', 'web'])
    expect(ep.subsets).toEqual([{addresses: [{ip: podIP, nodeName: 'node2', targetRef: {kind: 'Pod', name: 'backend', namespace: 'default'}}], ports: [{name: 'http', port: 8080, protocol: 'TCP'}]}])
    const slices = (await c.json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'])).items
    expect(slices).toHaveLength(1)
    expect(slices[0].endpoints).toEqual([{addresses: [podIP], conditions: {ready: true, serving: true, terminating: false}, nodeName: 'node2', targetRef: expect.objectContaining({kind: 'Pod', name: 'backend'})}])
    const del = await c.run(['delete', 'ep', 'web'])
    expect(del.code).toBe(2)
    expect(del.stderr).toContain('derived from the pods service web selects')
  })

  it('deleting the Endpoints removes its backend; deleting the slice leaves none', async () => {
    await c.ok(['delete', '-f', '-'], {input: endpoints(podIP)})
    expect(new Set(await fromClient(12))).toEqual(new Set(['host-node3']))
    await c.ok(['delete', 'endpointslices', 'ext-hosts'])
    expect(await fromClient(2)).toEqual(['failed', 'failed'])
    expect((await c.ok(['get', 'ep'])).split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['NAME', 'web'])
  })
})
