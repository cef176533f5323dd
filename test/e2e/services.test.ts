import http from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Ctx} from '../../src/lib/context.js'
import {dockerRuntime} from '../../src/lib/runtime/runtime.js'
import {Executor} from '../../src/lib/host/executor.js'
import {installLabSshOptions} from '../../src/lib/lab/ssh.js'
import {StateStore} from '../../src/lib/state/store.js'
import {putServices} from '../../src/lib/svc/service.js'
import {LAB_NODES, TestCluster, labAddress} from './helpers.js'

/** An HTTP GET from this process (the control machine, 192.168.56.1 on the lab bridge). */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({host, port, path: '/', timeout: 3000}, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve(body.trim()))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

/** n requests one after another ("$1" times to "$2") with the given wget, a body per line. */
const loop = (wget: string) => `for i in $(seq "$1"); do timeout 3 ${wget} -qO- "$2" || echo failed; done`
const bodies = (out: string) => out.split('\n').map((l) => l.trim()).filter(Boolean)

/** Requests from this process until every one of `want` answered (or 30 tried): the bodies seen. */
async function seenFrom(host: string, port: number, want: string[]): Promise<Set<string>> {
  const got = new Set<string>()
  for (let i = 0; i < 30 && !want.every((w) => got.has(w)); i++) got.add(await get(host, port))
  return got
}

/** Random backend choice with two endpoints: 30 requests all to one has a chance of 2^-29. */
const BOTH = 30

const WEB = (name: string) => ['sh', '-c', `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p 80 -h /www`]

function directCtx(c: TestCluster): Ctx {
  installLabSshOptions()
  return {store: new StateStore(c.state), exec: new Executor(false), runtime: dockerRuntime, namespace: 'default', dryRun: false, progress: () => {}}
}

for (const mode of ['iptables', 'nftables'] as const) {
  describe(`services in ${mode} mode`, () => {
    const c = new TestCluster()
    let overlay = false
    /** where the two backends and the client run: on three nodes when pods reach across nodes, else all on node1 */
    let where = {web1: 'node1', web2: 'node1', client: 'node1'}

    /** n requests from the client pod, in one exec; the bodies ("failed" for a request that got none). */
    const fromClient = async (url: string, n: number) => bodies((await c.run(['pod', 'exec', 'client', '--', 'sh', '-c', loop('wget'), 'sh', String(n), url])).stdout)
    const fromNode = async (node: string, url: string, n: number) => bodies((await c.onNode(node, ['sh', '-c', loop('busybox wget'), 'sh', String(n), url])).stdout)
    const svcJson = (name: string) => c.json(['svc', 'get', name])
    /** Wait until a backend's httpd answers on its pod address (the container starts before its app listens). */
    const serving = async (name: string) => {
      const ip = (await c.json(['pod', 'get', name])).status.podIP
      for (let i = 0; i < 50; i++) {
        if ((await c.run(['pod', 'exec', 'client', '--', 'timeout', '2', 'wget', '-qO-', `http://${ip}/`])).stdout.trim() === name) return
        await new Promise((r) => setTimeout(r, 200))
      }
      throw new Error(`${name} does not answer on ${ip}`)
    }

    beforeAll(async () => {
      await c.up(['--proxy-mode', mode])
      overlay = (await c.onNode('node1', ['ip', 'link', 'show', 'flannel.1'])).code === 0
      if (overlay) where = {web1: 'node1', web2: 'node2', client: 'node3'}
      await c.ok(['pod', 'run', 'web1', '--image', 'mk8s/busybox', '-l', 'app=web', '--port', '80', '--node', where.web1, '--', ...WEB('web1')])
      await c.ok(['pod', 'run', 'web2', '--image', 'mk8s/busybox', '-l', 'app=web', '--port', '80', '--node', where.web2, '--', ...WEB('web2')])
      await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', where.client, '--', 'sleep', '3600'])
      await serving('web1')
      await serving('web2')
    })
    afterAll(async () => {
      await c.down()
      for (const n of LAB_NODES) {
        const left = await c.onNode(n, ['sh', '-c', 'iptables-save | grep -c KUBE- ; nft list table ip mk8s >/dev/null 2>&1 && echo table; ip -br addr show dev lo | grep -c 192.168.56.24'])
        expect(left.stdout.trim().split('\n').map(Number)).toEqual([0, 0])
      }
    })

    it('a ClusterIP spreads requests over both endpoints, from a client pod and from a node', async () => {
      await c.ok(['svc', 'expose', 'pod/web1', '--port', '8080', '--target-port', '80', '--name', 'web'])
      const s = await svcJson('web')
      expect(s.spec.clusterIP).toBe('10.96.0.2')
      const got = await fromClient(`http://${s.spec.clusterIP}:8080/`, BOTH)
      expect(new Set(got)).toEqual(new Set(['web1', 'web2']))
      const fromN = await fromNode(where.client, `http://${s.spec.clusterIP}:8080/`, BOTH)
      expect(new Set(fromN)).toEqual(new Set(['web1', 'web2']))
      const desc = await c.ok(['svc', 'get', 'web'])
      expect(desc).toMatch(/Endpoints:\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80/)
      if (mode === 'iptables') {
        const save = (await c.onNode('node2', ['iptables-save', '-t', 'nat'])).stdout
        expect(save).toMatch(/-A KUBE-SERVICES -d 10\.96\.0\.2\/32 -p tcp -m comment --comment "default\/web cluster IP" -m tcp --dport 8080 -j KUBE-SVC-/)
        expect(save).toMatch(/--mode random --probability 0\.5/)
        expect(save.trimEnd().split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES')).pop()).toMatch(/-j KUBE-NODEPORTS$/)
      } else {
        const t = (await c.onNode('node2', ['nft', 'list', 'table', 'ip', 'mk8s'])).stdout
        expect(t).toMatch(/10\.96\.0\.2 \. tcp \. 8080 : goto service-/)
        expect(t).toMatch(/numgen random mod 2/)
      }
    })

    it('follows a deleted and re-created endpoint', async () => {
      await c.ok(['pod', 'delete', 'web2'])
      const ip = (await svcJson('web')).spec.clusterIP
      expect(new Set(await fromClient(`http://${ip}:8080/`, 6))).toEqual(new Set(['web1']))
      await c.ok(['pod', 'run', 'web2', '--image', 'mk8s/busybox', '-l', 'app=web', '--port', '80', '--node', where.web2, '--', ...WEB('web2')])
      await serving('web2')
      expect(new Set(await fromClient(`http://${ip}:8080/`, BOTH))).toEqual(new Set(['web1', 'web2']))
    })

    it('a NodePort answers on every node from the control machine', async () => {
      await c.ok(['svc', 'expose', 'pod/web1', '--port', '80', '--type', 'NodePort', '--name', 'web-np', '--node-port', '30080'])
      const nodes = overlay ? LAB_NODES : (['node1'] as const)
      for (const n of nodes) {
        expect(await seenFrom(labAddress(n), 30080, ['web1', 'web2'])).toEqual(new Set(['web1', 'web2']))
      }
      const taken = await c.run(['svc', 'expose', 'pod/web1', '--port', '81', '--type', 'NodePort', '--name', 'other', '--node-port', '30080'])
      expect(taken.code).toBe(2)
      expect((await c.run(['svc', 'expose', 'pod/web1', '--port', '81', '--type', 'NodePort', '--name', 'other', '--node-port', '80'])).code).toBe(2)
    })

    it('sessionAffinity ClientIP keeps one backend', async () => {
      const manifest = JSON.stringify({apiVersion: 'v1', kind: 'Service', metadata: {name: 'sticky'}, spec: {selector: {app: 'web'}, sessionAffinity: 'ClientIP', ports: [{name: 'http', port: 80}]}})
      await c.ok(['apply', '-f', '-'], {input: manifest})
      const ip = (await svcJson('sticky')).spec.clusterIP
      expect(new Set(await fromClient(`http://${ip}/`, BOTH)).size).toBe(1)
    })

    it('a LoadBalancer address from the pool answers from the control machine', async () => {
      await c.ok(['svc', 'expose', 'pod/web1', '--port', '80', '--type', 'LoadBalancer', '--name', 'web-lb'])
      const s = await svcJson('web-lb')
      const ip = s.status.loadBalancer.ingress[0].ip
      expect(ip).toBe('192.168.56.241')
      expect(await seenFrom(ip, 80, ['web1', 'web2'])).toEqual(new Set(['web1', 'web2']))
    })

    it('a service without endpoints refuses at once', async () => {
      const manifest = JSON.stringify({apiVersion: 'v1', kind: 'Service', metadata: {name: 'empty'}, spec: {selector: {app: 'nothing'}, ports: [{port: 80}]}})
      await c.ok(['apply', '-f', '-'], {input: manifest})
      const ip = (await svcJson('empty')).spec.clusterIP
      const r = await c.run(['pod', 'exec', 'client', '--', 'timeout', '3', 'wget', '-qO-', `http://${ip}/`])
      expect(r.code).not.toBe(0)
      expect(r.stderr + r.stdout).toMatch(/refused/i)
      const n = await c.onNode('node2', ['timeout', '3', 'busybox', 'wget', '-qO-', `http://${ip}/`])
      expect(n.stderr).toMatch(/refused/i)
    })

    it('deleting a service removes all its rules on every node', async () => {
      const count = async () => Promise.all(LAB_NODES.map(async (n) => (mode === 'iptables'
        ? (await c.onNode(n, ['iptables-save'])).stdout.split('\n').filter((l) => l.includes('default/web-np')).length
        : (await c.onNode(n, ['nft', 'list', 'table', 'ip', 'mk8s'])).stdout.split('\n').filter((l) => l.includes('default/web-np')).length)))
      expect((await count()).every((x) => x > 0)).toBe(true)
      await c.ok(['svc', 'delete', 'web-np'])
      expect(await count()).toEqual([0, 0, 0])
      await expect(get(labAddress('node1'), 30080)).rejects.toThrow()
    })

    it('adding one service when a thousand exist touches as few rules as adding the first', async () => {
      const ctx = directCtx(c)
      const mk = (i: number) => ({namespace: 'default', name: `bulk${i}`, type: 'ClusterIP' as const, ports: [{protocol: 'TCP' as const, port: 80, targetPort: 80}], selector: {app: 'web'}, labels: {}, sessionAffinity: 'None' as const, externalTrafficPolicy: 'Cluster' as const})
      let t = Date.now()
      const first = await putServices(ctx, [mk(0)])
      const firstMs = Date.now() - t
      await putServices(ctx, Array.from({length: 999}, (_, i) => mk(i + 1)))
      t = Date.now()
      const more = await putServices(ctx, [mk(1000)])
      const moreMs = Date.now() - t
      const steps = (r: typeof first) => r.sync.map((x) => x.areas.find((a) => a.area === 'services')?.steps)
      console.log(`[${mode}] first service: ${firstMs} ms, service steps ${steps(first)}; the 1001st: ${moreMs} ms, service steps ${steps(more)}`)
      expect(more.sync.map((s) => s.full)).toEqual([false, false, false])
      expect(steps(more)).toEqual(steps(first))
      const ip = more.results[0].service.clusterIP
      expect(new Set(await fromClient(`http://${ip}/`, BOTH))).toEqual(new Set(['web1', 'web2']))
    })
  })
}
