import http from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TestCluster} from './helpers.js'

/**
 * The Service fields kube-proxy acts on, in the lab (two nodes): internalTrafficPolicy Local, an
 * external IP, loadBalancerSourceRanges, the affinity timeout, and ExternalName's lack of rules.
 * iptables mode by default (about 2.5 minutes); MK8S_SVCFIELDS_MODES=iptables,nftables runs both.
 */
const MODES = (process.env.MK8S_SVCFIELDS_MODES ?? 'iptables').split(',') as Array<'iptables' | 'nftables'>

/** An HTTP GET from this process (the control machine, 192.168.56.1 on the lab bridge): the body, or "failed". */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({host, port, path: '/', timeout: 3000}, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve(body.trim()))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve('failed'))
  })
}

const WEB = ['sh', '-c', 'mkdir -p /www && echo web1 > /www/index.html && exec httpd -f -p 80 -h /www']
const LB_IP = '192.168.56.245'
const EXTERNAL_IP = '192.168.56.200'

const MANIFESTS = `apiVersion: v1
kind: Service
metadata: {name: local}
spec:
  selector: {app: web}
  internalTrafficPolicy: Local
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  selector: {app: web}
  externalIPs: [${EXTERNAL_IP}]
  ports: [{port: 8080, targetPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  loadBalancerIP: ${LB_IP}
  loadBalancerSourceRanges: [192.168.56.1/32]
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: aff}
spec:
  selector: {app: web}
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 77}}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  type: ExternalName
  externalName: db.example.com
`

for (const mode of MODES) describe(`Service fields in ${mode} mode`, () => {
  const c = new TestCluster()
  /** the node's service rules as its tool lists them */
  const rules = async (node: string) => (await c.onNode(node, mode === 'iptables' ? ['iptables-save'] : ['nft', 'list', 'table', 'ip', 'mk8s'])).stdout
  /** one request, with busybox wget, from a pod or from a node: the body, or "failed" */
  const fromPod = async (pod: string, url: string) => (await c.run(['pod', 'exec', pod, '--', 'sh', '-c', 'timeout 3 wget -qO- "$1" || echo failed', 'sh', url])).stdout.trim()
  const fromNode = async (node: string, url: string) => (await c.onNode(node, ['sh', '-c', 'timeout 3 busybox wget -qO- "$1" || echo failed', 'sh', url])).stdout.trim()

  beforeAll(async () => {
    await c.up(['--proxy-mode', mode, '--lb-pool', '192.168.56.240/28'], ['node1', 'node2'])
    await c.ok(['pod', 'run', 'web1', '--image', 'mk8s/busybox', '-l', 'app=web', '--port', '80', '--node', 'node1', '--', ...WEB])
    await c.ok(['pod', 'run', 'client1', '--image', 'mk8s/busybox', '--node', 'node1', '--', 'sleep', '3600'])
    await c.ok(['pod', 'run', 'client2', '--image', 'mk8s/busybox', '--node', 'node2', '--', 'sleep', '3600'])
    const ip = (await c.json(['pod', 'get', 'web1'])).status.podIP
    for (let i = 0; i < 50 && (await fromPod('client1', `http://${ip}/`)) !== 'web1'; i++) await new Promise((r) => setTimeout(r, 200))
    const out = await c.ok(['apply', '-f', '-'], {input: MANIFESTS})
    expect(out).toContain('service/db created')
  }, 240_000)
  afterAll(async () => {
    await c.down()
  }, 120_000)

  it('internalTrafficPolicy Local: a client on the endpoint\'s node reaches it; on a node without one it is dropped', async () => {
    const ip = (await c.json(['svc', 'get', 'local'])).spec.clusterIP
    expect(await fromPod('client1', `http://${ip}/`)).toBe('web1')
    expect(await fromNode('node1', `http://${ip}/`)).toBe('web1')
    expect(await fromPod('client2', `http://${ip}/`)).toBe('failed')
    expect(await fromNode('node2', `http://${ip}/`)).toBe('failed')
    if (mode === 'iptables') expect(await rules('node2')).toContain('"default/local has no local endpoints"')
    else expect(await rules('node2')).toContain(`${ip} . tcp . 80 : drop`)
    const tr = JSON.parse((await c.run(['trace', 'pod/client2', 'svc/local:80', '-o', 'json'])).stdout)
    expect(tr.ok).toBe(false)
    expect(tr.broken.cause).toContain('traffic policy is Local')
  })

  it('an external IP answers on the service port from a node, as the ClusterIP does', async () => {
    expect(await fromNode('node1', `http://${EXTERNAL_IP}:8080/`)).toBe('web1')
    const list = await c.ok(['svc', 'list'])
    expect(list).toMatch(new RegExp(`ext\\s+ClusterIP\\s+10\\.96\\.\\S+\\s+${EXTERNAL_IP.replaceAll('.', '\\.')}\\s+8080/TCP`))
  })

  it('loadBalancerSourceRanges: the control machine (in the range) is served, node2 (outside it) is dropped', async () => {
    expect((await c.json(['svc', 'get', 'lb'])).spec.loadBalancerSourceRanges).toEqual(['192.168.56.1/32'])
    let body = 'failed'
    for (let i = 0; i < 20 && body !== 'web1'; i++) body = await get(LB_IP, 80) // the address may take a moment to be announced
    expect(body).toBe('web1')
    expect(await fromNode('node2', `http://${LB_IP}/`)).toBe('failed')
    if (mode === 'iptables') expect(await rules('node2')).toMatch(/-A KUBE-PROXY-FIREWALL -d 192\.168\.56\.245\/32 .*"default\/lb traffic not accepted by KUBE-FW-[A-Z0-9]{16}" .*-j DROP/)
    else expect(await rules('node2')).toMatch(/chain "?firewall-[A-Z0-9]{8}-default\/lb\/tcp\/"? \{\n\s+ip saddr != 192\.168\.56\.1 drop/)
  })

  it('the affinity timeout is in the rules; ExternalName has none; doctor finds the rules as planned', async () => {
    const node1 = await rules('node1')
    if (mode === 'iptables') expect(node1.split('\n').filter((l) => l.includes('"default/aff -> ') && l.includes('--rcheck --seconds 77 ')).length).toBe(1)
    else expect(node1).toMatch(/set "?affinity-[A-Z0-9]{8}-default\/aff\/tcp\/__[\d.]+\/80 \{[^}]*timeout 1m17s/)
    for (const node of ['node1', 'node2']) expect(await rules(node)).not.toContain('default/db')
    const db = await c.json(['svc', 'get', 'db'])
    expect(db.spec).toMatchObject({type: 'ExternalName', externalName: 'db.example.com'})
    expect(db.spec.clusterIP).toBeUndefined()
    expect(await c.ok(['svc', 'list'])).toMatch(/db\s+ExternalName\s+<none>\s+db\.example\.com\s+<none>/)
    const report = JSON.parse((await c.run(['doctor', '-o', 'json'])).stdout)
    expect(report.findings.filter((f: {id: string}) => /service/.test(f.id))).toEqual([])
  })
})
