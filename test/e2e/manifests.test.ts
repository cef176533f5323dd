import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {httpUntil} from '../../src/lib/lab/http.js'
import {whoamiCommand} from '../../src/lib/lab/workloads.js'
import {labAddress, TestCluster} from './helpers.js'

/**
 * Manifests mean what they say, in the lab: a misspelt field changes nothing; a Namespace holds
 * objects and deleting it removes them from the hosts; a pod's hostname, subdomain, hostAliases
 * and dnsPolicy/dnsConfig are what the pod sees (hostname, /etc/hosts, resolv.conf, a real
 * resolver); an Ingress of another class is not served by mk8s's nginx; export -A applies back.
 */
const INGRESS = labAddress('node1')
const docs = (...objs: unknown[]) => objs.map((o) => JSON.stringify(o)).join('\n---\n')

const shop = {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop', labels: {team: 'a'}}}
const db = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name: 'db', namespace: 'shop', labels: {app: 'db'}},
  spec: {
    hostname: 'db-0',
    subdomain: 'dbs',
    hostAliases: [{ip: '192.168.56.1', hostnames: ['control', 'control.lab']}],
    nodeName: 'node2',
    containers: [
      {
        name: 'web',
        image: 'mk8s/busybox',
        command: whoamiCommand(80),
        ports: [{containerPort: 80, name: 'http'}],
        envFrom: [{configMapRef: {name: 'settings'}, prefix: 'CFG_'}],
        env: [
          {name: 'MODE', valueFrom: {configMapKeyRef: {name: 'settings', key: 'mode'}}},
          {name: 'POD_IP', valueFrom: {fieldRef: {fieldPath: 'status.podIP'}}},
          {name: 'HOST_IP', valueFrom: {fieldRef: {fieldPath: 'status.hostIP'}}},
          {name: 'WHERE', value: '$(POD_IP) on $(NODE)'},
        ],
      },
    ],
  },
}
const settings = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'settings', namespace: 'shop'}, data: {mode: 'fast'}}
const dbs = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'dbs', namespace: 'shop'}, spec: {selector: {app: 'db'}, ports: [{name: 'http', port: 80, targetPort: 'http'}]}}
const resolver = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name: 'resolver', namespace: 'shop'},
  spec: {
    dnsPolicy: 'None',
    dnsConfig: {nameservers: ['10.96.0.10'], searches: ['shop.svc.cluster.local'], options: [{name: 'ndots', value: '2'}]},
    nodeName: 'node1',
    containers: [{name: 'sh', image: 'mk8s/busybox', command: ['sleep', '3600']}],
  },
}
const other = {apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: {name: 'other'}, spec: {controller: 'example.com/other-controller'}}
const ingress = (name: string, host: string, cls?: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {name, namespace: 'shop'},
  spec: {...(cls ? {ingressClassName: cls} : {}), rules: [{host, http: {paths: [{path: '/', pathType: 'Prefix', backend: {service: {name: 'dbs', port: {number: 80}}}}]}}]},
})

describe('manifests in the lab', () => {
  const c = new TestCluster()
  const inPod = (pod: string, argv: string[]) => c.run(['pod', 'exec', pod, '-n', 'shop', '--', ...argv])

  beforeAll(async () => {
    await c.up([], ['node1', 'node2'])
  })
  afterAll(async () => {
    await c.down()
  })

  it('a misspelt field is exit 2 naming it, and nothing is made', async () => {
    const typo = {...dbs, spec: {selectr: {app: 'db'}, ports: dbs.spec.ports}}
    const r = await c.run(['apply', '-f', '-'], {input: docs(shop, typo)})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error: Service shop/dbs (stdin document 2): spec.selectr: unknown field\nhint: did you mean selector?; nothing was applied')
    expect((await c.json(['ns', 'list'])).items.map((n: {metadata: {name: string}}) => n.metadata.name)).not.toContain('shop')
  })

  it("a pod's hostname, subdomain and hostAliases: hostname prints it, /etc/hosts names its own address, as kubelet writes it", async () => {
    const out = await c.ok(['apply', '-f', '-'], {input: docs(shop, settings, db, dbs, resolver)})
    expect(out).toBe('namespace/shop created\nconfigmap/settings created\npod/db created\nservice/dbs created\npod/resolver created')
    const ip = (await c.json(['pod', 'get', 'db', '-n', 'shop'])).status.podIP as string
    expect((await inPod('db', ['hostname'])).stdout.trim()).toBe('db-0')
    // execa drops the file's last newline: put it back, so that every line ends in one
    const hosts = `${(await inPod('db', ['cat', '/etc/hosts'])).stdout}\n`
    expect(hosts).toContain(`${ip}\tdb-0.dbs.shop.svc.cluster.local\n`)
    expect(hosts).toContain(`${ip}\tdb-0\n`)
    expect(hosts).toContain('192.168.56.1\tcontrol\n')
    expect(hosts).toContain('192.168.56.1\tcontrol.lab\n')
    // the app container shares the pause container's files: its HTTP answer names the hostname
    const wget = await inPod('resolver', ['timeout', '10', 'wget', '-qO-', `http://${ip}/cgi-bin/whoami`])
    expect(wget.stdout).toMatch(/^host=db-0 /)
    // the environment from the ConfigMap and the pod's fields, as the container's process sees it
    const env = (await inPod('db', ['env'])).stdout.split('\n')
    expect(env).toEqual(expect.arrayContaining(['CFG_mode=fast', 'MODE=fast', `POD_IP=${ip}`, `HOST_IP=${labAddress('node2')}`, `WHERE=${ip} on $(NODE)`]))
  })

  it('dnsPolicy None with dnsConfig is the whole resolv.conf, and its resolver answers for the cluster', async () => {
    const conf = (await inPod('resolver', ['cat', '/etc/resolv.conf'])).stdout.trim().split('\n').sort()
    expect(conf).toEqual(['nameserver 10.96.0.10', 'options ndots:2', 'search shop.svc.cluster.local'])
    const svcIP = (await c.json(['svc', 'get', 'dbs', '-n', 'shop'])).spec.clusterIP as string
    const r = await inPod('resolver', ['timeout', '10', 'nslookup', 'dbs.shop.svc.cluster.local'])
    expect(r.stdout, r.stderr).toContain(`Address: ${svcIP}`)
    // through the search path, as libc resolves
    expect((await inPod('resolver', ['timeout', '10', 'wget', '-qO-', 'http://dbs/'])).stdout).toContain('hello from db-0')
  })

  it("an Ingress of another controller's class is kept and reported, not served; one without a class is served", async () => {
    const out = await c.ok(['apply', '-f', '-'], {input: docs(other, ingress('served', 'a.lab'), ingress('elsewhere', 'b.lab', 'other'))})
    expect(out).toBe(
      'ingressclass.networking.k8s.io/other created\ningress.networking.k8s.io/served created\n' +
        "ingress.networking.k8s.io/elsewhere created\n  warning: not served: its class other has controller example.com/other-controller, not mk8s's (mk8s.io/ingress-nginx)",
    )
    const a = await httpUntil(`http://${INGRESS}/`, {host: 'a.lab'}, (x) => x.status === 200)
    expect(a.body).toContain('hello from db-0')
    const b = await httpUntil(`http://${INGRESS}/`, {host: 'b.lab'}, (x) => x.status !== 0)
    expect(b.status).toBe(404)
    expect(await c.ok(['ingress', 'get', 'elsewhere', '-n', 'shop'])).toContain("warning: not served: its class other has controller example.com/other-controller")
    expect((await c.json(['ingress', 'get', 'elsewhere', '-n', 'shop'])).status.loadBalancer).toEqual({})
  })

  it('export -A | delete -f - empties the cluster; export -A | apply -f - makes the same objects again', async () => {
    const exported = await c.ok(['export', '-A'])
    expect(exported).toContain('kind: Namespace\nmetadata:\n  name: shop\n  labels:\n    team: a\n')
    await c.ok(['delete', '-f', '-'], {input: exported})
    expect((await c.json(['pod', 'list', '-A'])).items).toEqual([])
    expect((await c.json(['svc', 'list', '-A'])).items).toEqual([])
    await c.ok(['apply', '-f', '-'], {input: exported})
    expect(await c.ok(['export', '-A'])).toBe(exported)
    expect((await inPod('db', ['hostname'])).stdout.trim()).toBe('db-0')
  })

  it('deleting a Namespace deletes what is in it, on the hosts too', async () => {
    expect(await c.ok(['ns', 'delete', 'shop'])).toBe('namespace "shop" deleted')
    expect((await c.json(['pod', 'list', '-A'])).items).toEqual([])
    expect((await c.json(['svc', 'list', '-A'])).items).toEqual([])
    expect((await c.json(['ingress', 'list', '-A'])).items).toEqual([])
    for (const n of ['node1', 'node2']) {
      const r = await c.onNode(n, ['sh', '-c', 'docker ps -aq --filter label=io.mk8s.pod | wc -l; iptables-save -t nat | grep -c "shop/dbs" || true'])
      expect(r.stdout.trim().split('\n'), n).toEqual(['0', '0'])
    }
  })
})
