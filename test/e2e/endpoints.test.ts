import http from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TestCluster, labAddress} from './helpers.js'

/**
 * A Service without a selector gets its backends from an Endpoints object (a pod's address) and an
 * EndpointSlice (a host-network server on another node, and this machine, the control machine), as
 * in Kubernetes: traffic to its ClusterIP from a pod reaches exactly the ready addresses listed;
 * deleting them takes them away. A Service with a selector shows its derived Endpoints and
 * EndpointSlice, read-only.
 */
const CONTROL = '192.168.56.1'
const HOST_PORT = 19090
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
  notReadyAddresses: [{ip: ${labAddress('node1')}}]
  ports: [{name: http, port: 8080}]
`
const slice = `apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ext-hosts
  labels: {kubernetes.io/service-name: ext}
addressType: IPv4
endpoints:
- addresses: [${labAddress('node2')}]
  conditions: {ready: true}
  nodeName: node2
- addresses: [${CONTROL}]
- addresses: [${labAddress('node1')}]
  conditions: {ready: false}
ports: [{name: http, port: ${HOST_PORT}, protocol: TCP}]
`

describe('Endpoints and EndpointSlices for a Service without a selector', () => {
  const c = new TestCluster()
  let podIP = ''
  let clusterIP = ''
  /** a server on this machine, on the lab bridge */
  const control = http.createServer((_req, res) => res.end('control\n'))

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
    await new Promise<void>((resolve, reject) => control.once('error', reject).listen(HOST_PORT, CONTROL, resolve))
    await c.up([], ['node1', 'node2'])
    await c.ok(['pod', 'run', 'backend', '--image', 'mk8s/busybox', '-l', 'app=backend', '--port', '8080', '--node', 'node2', '--', ...SERVE('pod-backend', 8080)])
    await c.ok(['pod', 'run', 'hostweb', '--image', 'mk8s/busybox', '--host-network', '--node', 'node2', '--', ...SERVE('host-node2', HOST_PORT)])
    await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', 'node1', '--', 'sleep', '3600'])
    podIP = (await c.json(['pod', 'get', 'backend'])).status.podIP
    await answering(`http://${podIP}:8080/`, 'pod-backend')
    await answering(`http://${labAddress('node2')}:${HOST_PORT}/`, 'host-node2')
    await c.ok(['apply', '-f', '-'], {input: service})
    clusterIP = (await c.json(['svc', 'get', 'ext'])).spec.clusterIP
  }, 180_000)
  afterAll(async () => {
    control.close()
    await c.down()
  })

  it('without endpoints the ClusterIP refuses', async () => {
    expect(await fromClient(2)).toEqual(['failed', 'failed'])
  })

  it('an Endpoints (a pod) and an EndpointSlice (a host-network server on another node, the control machine): traffic reaches each, never a not-ready address', async () => {
    const out = await c.ok(['apply', '-f', '-'], {input: `${endpoints(podIP)}---\n${slice}`})
    expect(out.trim().split('\n')).toEqual(['endpoints/ext created', 'endpointslice.discovery.k8s.io/ext-hosts created'])
    // nothing listens on node1's 8080 or 19090: a not-ready address used would be a "failed"
    const bodies = await fromClient(30)
    expect(new Set(bodies)).toEqual(new Set(['pod-backend', 'host-node2', 'control']))
    // doctor reads the rules back from the nodes and finds them as the state says
    const d = await c.run(['doctor', '-o', 'json'])
    const findings = (JSON.parse(d.stdout).findings as Array<{id: string; evidence: string}>).filter((f) => /service/.test(f.id))
    expect(findings, d.stdout).toEqual([])
    const ep = await c.ok(['get', 'ep', 'ext', '--no-headers'])
    expect(ep.split(/\s+/).slice(0, 2)).toEqual(['ext', `${podIP}:8080`])
    const es = await c.ok(['get', 'endpointslices', 'ext-hosts', '--no-headers'])
    expect(es.split(/\s+/).slice(0, 4)).toEqual(['ext-hosts', 'IPv4', String(HOST_PORT), `${labAddress('node2')},${CONTROL},${labAddress('node1')}`])
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
    expect(new Set(await fromClient(16))).toEqual(new Set(['host-node2', 'control']))
    await c.ok(['delete', 'endpointslices', 'ext-hosts'])
    expect(await fromClient(2)).toEqual(['failed', 'failed'])
    expect((await c.ok(['get', 'ep'])).split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['NAME', 'web'])
  })
})
