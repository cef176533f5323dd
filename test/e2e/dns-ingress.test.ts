import {execa} from 'execa'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fooBarIngress} from '../../src/lib/ingress/example.js'
import {httpGet as get, httpUntil} from '../../src/lib/lab/http.js'
import {whoamiCommand} from '../../src/lib/lab/workloads.js'
import {labAddress, TestCluster} from './helpers.js'

const DNS = '10.96.0.10'
const INGRESS = labAddress('node1')

/** A pod running the whoami server, plus a file at /www/<file> naming the pod (for the ingress paths). */
const server = (name: string, app: string, node = 'node1') => ['pod', 'run', name, '--image', 'mk8s/busybox', '--node', node, '-l', `app=${app}`, '--port', '80', '--', ...whoamiCommand(80)]

const service = (name: string, app: string, extra = '') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${app}
${extra}  ports:
  - name: http
    port: 80
    targetPort: 80
`

/** busybox nslookup's answers: the addresses after the server's own lines, or the SRV lines. */
const addresses = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => /^Address: /.test(l))
    .map((l) => l.replace('Address: ', '').trim())
    .sort()

describe('cluster DNS (dnsmasq on every node) and the nginx ingress controller', () => {
  const c = new TestCluster()
  const nslookup = (pod: string, args: string[]) => c.run(['pod', 'exec', pod, '--', 'timeout', '10', 'nslookup', ...args])

  beforeAll(async () => {
    await c.up()
    await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', 'node2', '--', 'sleep', '3600'])
  })
  afterAll(async () => {
    await c.down()
  })

  it('every node runs dnsmasq on the DNS address, and pods get it in resolv.conf', async () => {
    for (const n of ['node1', 'node2', 'node3']) {
      const r = await c.onNode(n, ['sh', '-c', 'ip -o -4 addr show mk8s-dns0; cat /proc/$(cat /run/mk8s/dns/dnsmasq.pid)/comm'])
      expect(r.stdout).toContain(`inet ${DNS}/32`)
      expect(r.stdout).toContain('dnsmasq')
    }
    const r = await c.run(['pod', 'exec', 'client', '--', 'cat', '/etc/resolv.conf'])
    expect(r.stdout.trim().split('\n').sort()).toEqual([`nameserver ${DNS}`, 'options ndots:5', 'search default.svc.cluster.local svc.cluster.local cluster.local'])
  })

  it('a service resolves by full name, name.namespace and bare name; its ClusterIP has a PTR; SRV for its named port', async () => {
    // the server on the client's node: the name is the point here, not the overlay
    await c.ok(server('web-1', 'web', 'node2'))
    await c.ok(['apply', '-f', '-'], {input: service('web', 'web')})
    const ip = (await c.json(['svc', 'get', 'web'])).spec.clusterIP as string
    for (const name of ['web.default.svc.cluster.local', 'web']) {
      const r = await nslookup('client', [name])
      expect(addresses(r.stdout), `${name}: ${r.stdout}${r.stderr}`).toContain(ip)
    }
    // busybox nslookup tries a dotted name only as given; libc's resolver (wget) follows ndots:5 and the search path
    for (const name of ['web.default.svc.cluster.local', 'web.default', 'web']) {
      const r = await c.run(['pod', 'exec', 'client', '--', 'timeout', '10', 'wget', '-qO-', `http://${name}/`])
      expect(r.stdout, `${name}: ${r.stderr}`).toContain('hello from web-1')
    }
    const ptr = await nslookup('client', [ip])
    expect(ptr.stdout).toContain('name = web.default.svc.cluster.local')
    const srv = await nslookup('client', ['-type=srv', '_http._tcp.web.default.svc.cluster.local'])
    expect(srv.stdout).toContain('_http._tcp.web.default.svc.cluster.local\tservice = 0 100 80 web.default.svc.cluster.local')
  })

  it('a headless service resolves to each of its ready pods, and is NXDOMAIN with none', async () => {
    await c.ok(['apply', '-f', '-'], {input: service('hl', 'hl', '  clusterIP: None\n')})
    const none = await nslookup('client', ['hl.default.svc.cluster.local'])
    expect(none.stdout + none.stderr).toContain('NXDOMAIN')
    await c.ok(server('hl-1', 'hl', 'node1'))
    await c.ok(server('hl-2', 'hl', 'node3'))
    const ips = [(await c.json(['pod', 'get', 'hl-1'])).status.podIP, (await c.json(['pod', 'get', 'hl-2'])).status.podIP].sort()
    const r = await nslookup('client', ['hl'])
    expect(addresses(r.stdout), r.stdout).toEqual(ips)
    const srv = await nslookup('client', ['-type=srv', '_http._tcp.hl.default.svc.cluster.local'])
    for (const ip of ips) expect(srv.stdout).toContain(`80 ${ip.replaceAll('.', '-')}.hl.default.svc.cluster.local`)
    // pod records
    const pod = await nslookup('client', [`${ips[0].replaceAll('.', '-')}.default.pod.cluster.local`])
    expect(addresses(pod.stdout)).toEqual([ips[0]])
  })

  it("the DNS specification's records (schema 1.1.0), asked with dig from a node: version, ClusterIP A/SRV/PTR, a headless Service's endpoints by hostname, pod records", async () => {
    const dig = async (...args: string[]) => {
      const r = await c.onNode('node3', ['dig', `@${DNS}`, '+short', '+time=3', '+tries=2', ...args])
      expect(r.code, r.stderr).toBe(0)
      return r.stdout.trim().split('\n').filter(Boolean).sort()
    }
    expect(await dig('TXT', 'dns-version.cluster.local')).toEqual(['"1.1.0"'])
    const web = (await c.json(['svc', 'get', 'web'])).spec.clusterIP as string
    expect(await dig('A', 'web.default.svc.cluster.local')).toEqual([web])
    expect(await dig('SRV', '_http._tcp.web.default.svc.cluster.local')).toEqual(['0 100 80 web.default.svc.cluster.local.'])
    expect(await dig('-x', web)).toEqual(['web.default.svc.cluster.local.'])
    // a pod whose subdomain is the headless Service: its hostname names it there (A, SRV target, PTR)
    const pet = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'pet', labels: {app: 'hl'}}, spec: {hostname: 'pet-0', subdomain: 'hl', nodeName: 'node1', containers: [{name: 'web', image: 'mk8s/busybox', command: whoamiCommand(80), ports: [{containerPort: 80}]}]}}
    await c.ok(['apply', '-f', '-'], {input: JSON.stringify(pet)})
    const petIP = (await c.json(['pod', 'get', 'pet'])).status.podIP as string
    const others = [(await c.json(['pod', 'get', 'hl-1'])).status.podIP, (await c.json(['pod', 'get', 'hl-2'])).status.podIP] as string[]
    expect(await dig('A', 'hl.default.svc.cluster.local')).toEqual([...others, petIP].sort())
    expect(await dig('A', 'pet-0.hl.default.svc.cluster.local')).toEqual([petIP])
    expect(await dig('SRV', '_http._tcp.hl.default.svc.cluster.local')).toEqual(
      [`33 80 pet-0.hl.default.svc.cluster.local.`, ...others.map((ip) => `33 80 ${ip.replaceAll('.', '-')}.hl.default.svc.cluster.local.`)].map((t) => `0 ${t}`).sort(),
    )
    expect(await dig('-x', petIP)).toEqual(['pet-0.hl.default.svc.cluster.local.'])
    expect(await dig('-x', others[0])).toEqual([`${others[0].replaceAll('.', '-')}.hl.default.svc.cluster.local.`])
    // the pod records: a-b-c-d.<ns>.pod for any address of the pod network, a pod there or not
    expect(await dig('A', `${petIP.replaceAll('.', '-')}.default.pod.cluster.local`)).toEqual([petIP])
    expect(await dig('A', '10-244-200-9.default.pod.cluster.local')).toEqual(['10.244.200.9'])
    // ExternalName: a CNAME; to a cluster name, the address with it
    const ext = (name: string, target: string) => ({apiVersion: 'v1', kind: 'Service', metadata: {name}, spec: {type: 'ExternalName', externalName: target}})
    await c.ok(['apply', '-f', '-'], {input: [ext('ext', 'db.example.com'), ext('alias', 'web.default.svc.cluster.local')].map((o) => JSON.stringify(o)).join('\n---\n')})
    expect(await dig('CNAME', 'ext.default.svc.cluster.local')).toEqual(['db.example.com.'])
    expect(await dig('A', 'alias.default.svc.cluster.local')).toEqual([web, 'web.default.svc.cluster.local.'].sort())
    const alias = await c.run(['pod', 'exec', 'client', '--', 'timeout', '10', 'wget', '-qO-', 'http://alias/'])
    expect(alias.stdout, alias.stderr).toContain('hello from web-1')
    await c.ok(['svc', 'delete', 'ext'])
    await c.ok(['svc', 'delete', 'alias'])
    expect(await dig('CNAME', 'ext.default.svc.cluster.local')).toEqual([])
    await c.ok(['pod', 'delete', 'pet'])
    expect(await dig('A', 'pet-0.hl.default.svc.cluster.local')).toEqual([])
  })

  it('a service created later resolves at once, with no pod restarted', async () => {
    const before = await c.onNode('node2', ['docker', 'inspect', '-f', '{{.State.StartedAt}}', 'k8s_client_client_default'])
    await c.ok(['apply', '-f', '-'], {input: service('later', 'web')})
    const ip = (await c.json(['svc', 'get', 'later'])).spec.clusterIP as string
    const r = await nslookup('client', ['later'])
    expect(addresses(r.stdout)).toContain(ip)
    const after = await c.onNode('node2', ['docker', 'inspect', '-f', '{{.State.StartedAt}}', 'k8s_client_client_default'])
    expect(after.stdout).toBe(before.stdout)
    await c.ok(['svc', 'delete', 'later'])
    const gone = await nslookup('client', ['later.default.svc.cluster.local'])
    expect(gone.stdout + gone.stderr).toContain('NXDOMAIN')
  })

  it("names outside the cluster domain go to the node's own resolver", async () => {
    // the lab hosts' resolver is the control address; a resolver of our own answers there for this test
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-upstream-'))
    const pidFile = join(dir, 'pid')
    await execa('dnsmasq', ['--conf-file=/dev/null', '--listen-address=192.168.56.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--address=/outside.test/192.0.2.7', `--pid-file=${pidFile}`])
    try {
      const r = await nslookup('client', ['www.outside.test'])
      expect(addresses(r.stdout), r.stdout + r.stderr).toEqual(['192.0.2.7'])
    } finally {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()))
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('Ingress foo.bar.com: /foo and /bar to two services (one on another node) over HTTP and HTTPS; an unknown host gets 404', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-tls-'))
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=foo.bar.com', '-addext', 'subjectAltName=DNS:foo.bar.com', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')])
    const ca = readFileSync(join(dir, 'tls.crt'))
    const pem = {crt: ca.toString('base64'), key: readFileSync(join(dir, 'tls.key')).toString('base64')}
    rmSync(dir, {recursive: true, force: true})
    // s1 beside the controller on node1, s2 across the overlay on node3
    for (const s of ['s1', 's2']) {
      await c.ok(server(`${s}-pod`, s, s === 's1' ? 'node1' : 'node3'))
      await c.ok(['pod', 'exec', `${s}-pod`, '--', 'sh', '-c', `mkdir -p /www && echo "${s} $(hostname)" >/www/${s === 's1' ? 'foo' : 'bar'}`])
      await c.ok(['apply', '-f', '-'], {input: service(s, s)})
    }
    await c.ok(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Secret
metadata:
  name: testsecret
type: kubernetes.io/tls
data:
  tls.crt: ${pem.crt}
  tls.key: ${pem.key}
---
${fooBarIngress('testsecret')}`,
    })
    const list = await c.ok(['ingress', 'list'])
    expect(list).toMatch(new RegExp(`test\\s+<none>\\s+foo\\.bar\\.com\\s+${INGRESS.replaceAll('.', '\\.')}\\s+80, 443`))
    expect((await c.json(['ingress', 'get', 'test'])).status.loadBalancer.ingress).toEqual([{ip: INGRESS}])
    for (const scheme of ['http', 'https'] as const) {
      const opts = {host: 'foo.bar.com', ...(scheme === 'https' ? {ca} : {})}
      const foo = await httpUntil(`${scheme}://${INGRESS}/foo`, opts, (a) => a.status === 200)
      expect(foo.body.trim(), scheme).toBe('s1 s1-pod')
      const bar = await get(`${scheme}://${INGRESS}/bar`, opts)
      expect(bar.body.trim(), scheme).toBe('s2 s2-pod')
      // Prefix matches by path element: /foobar is not /foo
      expect((await get(`${scheme}://${INGRESS}/foobar`, opts)).status).toBe(404)
    }
    const unknown = await get(`http://${INGRESS}/foo`, {host: 'unknown.example'})
    expect(unknown.status).toBe(404)
    expect(unknown.body).toContain('404 Not Found')
  })

  it('endpoints follow: a new backend pod (on another node) joins the upstream; a request in flight outlives the reload; deleting the ingress stops nginx', async () => {
    // a slow answer (25 s: a pod delete on a loaded 2-core machine has taken over 10) from s2 through a second ingress, still in flight while s1's endpoints change
    const slow = `mkdir -p /www/cgi-bin && cat >/www/cgi-bin/slow <<'END'
#!/bin/sh
sleep 25
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo slow done
END
chmod +x /www/cgi-bin/slow`
    await c.ok(['pod', 'exec', 's2-pod', '--', 'sh', '-c', slow])
    await c.ok(['apply', '-f', '-'], {
      input: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: slow
spec:
  rules:
  - host: slow.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: s2, port: {number: 80}}}}
`,
    })
    expect((await httpUntil(`http://${INGRESS}/bar`, {host: 'slow.example'}, (a) => a.status === 200)).body.trim()).toBe('s2 s2-pod')
    let answered = false
    const inflight = get(`http://${INGRESS}/cgi-bin/slow`, {host: 'slow.example', timeoutMs: 60_000}).finally(() => (answered = true))
    await new Promise((r) => setTimeout(r, 500))
    // deleting s1's only pod rewrites the upstreams and reloads nginx
    await c.ok(['pod', 'delete', 's1-pod'])
    expect(answered, 'the slow request ended before the reload: the test proves nothing').toBe(false)
    expect(await inflight).toEqual({status: 200, body: 'slow done\n'})
    await c.ok(['ingress', 'delete', 'slow'])
    const gone = await httpUntil(`http://${INGRESS}/foo`, {host: 'foo.bar.com'}, (a) => a.status === 503)
    expect(gone.status).toBe(503)
    await c.ok(server('s1-new', 's1', 'node2'))
    await c.ok(['pod', 'exec', 's1-new', '--', 'sh', '-c', 'mkdir -p /www && echo "s1 $(hostname)" >/www/foo'])
    const back = await httpUntil(`http://${INGRESS}/foo`, {host: 'foo.bar.com'}, (a) => a.status === 200)
    expect(back.body.trim()).toBe('s1 s1-new')
    await c.ok(['ingress', 'delete', 'test'])
    const left = await c.onNode('node1', ['sh', '-c', 'test -e /run/mk8s/ingress && echo files-left; ss -Hltn "sport = :80" | wc -l'])
    expect(left.stdout.trim()).toBe('0')
  })

  it("the Ingress documentation's path examples, pathType by pathType, and a wildcard host standing for one label", async () => {
    // three backends that answer every path with their own name (busybox httpd's 404 page)
    for (const b of ['b1', 'b2', 'b3']) {
      await c.ok(['pod', 'run', `${b}-pod`, '--image', 'mk8s/busybox', '--node', 'node2', '-l', `app=${b}`, '--port', '80', '--', 'sh', '-c', 'mkdir -p /www && echo "$0" >/err && echo E404:/err >/httpd.conf && exec httpd -f -p 80 -h /www -c /httpd.conf', b])
    }
    // the table of https://kubernetes.io/docs/concepts/services-networking/ingress/#examples:
    // paths (the i-th to b(i+1)), a request path, and which path serves it (none: no match)
    const rows: Array<[Array<[string, 'Prefix' | 'Exact']>, string, string | undefined]> = [
      [[['/', 'Prefix']], '/anything/at/all', 'b1'],
      [[['/foo', 'Exact']], '/foo', 'b1'],
      [[['/foo', 'Exact']], '/bar', undefined],
      [[['/foo', 'Exact']], '/foo/', undefined],
      [[['/foo/', 'Exact']], '/foo', undefined],
      [[['/foo', 'Prefix']], '/foo', 'b1'],
      [[['/foo', 'Prefix']], '/foo/', 'b1'],
      [[['/foo/', 'Prefix']], '/foo', 'b1'],
      [[['/foo/', 'Prefix']], '/foo/', 'b1'],
      [[['/aaa/bb', 'Prefix']], '/aaa/bbb', undefined],
      [[['/aaa/bbb', 'Prefix']], '/aaa/bbb', 'b1'],
      [[['/aaa/bbb/', 'Prefix']], '/aaa/bbb', 'b1'],
      [[['/aaa/bbb', 'Prefix']], '/aaa/bbb/', 'b1'],
      [[['/aaa/bbb', 'Prefix']], '/aaa/bbb/ccc', 'b1'],
      [[['/aaa/bbb', 'Prefix']], '/aaa/bbbxyz', undefined],
      [[['/', 'Prefix'], ['/aaa', 'Prefix']], '/aaa/ccc', 'b2'],
      [[['/', 'Prefix'], ['/aaa', 'Prefix'], ['/aaa/bbb', 'Prefix']], '/aaa/bbb', 'b3'],
      [[['/', 'Prefix'], ['/aaa', 'Prefix'], ['/aaa/bbb', 'Prefix']], '/ccc', 'b1'],
      [[['/aaa', 'Prefix']], '/ccc', undefined],
      [[['/foo', 'Prefix'], ['/foo', 'Exact']], '/foo', 'b2'],
    ]
    const rule = (host: string, paths: Array<[string, string]>) => ({host, http: {paths: paths.map(([path, pathType], i) => ({path, pathType, backend: {service: {name: `b${i + 1}`, port: {number: 80}}}}))}})
    const docs = [
      ...['b1', 'b2', 'b3'].map((b) => service(b, b)),
      JSON.stringify({apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name: 'paths'}, spec: {rules: [
        ...rows.map(([paths], i) => rule(`r${i}.paths.test`, paths)),
        // a wildcard is one label; an exact host wins over it
        rule('*.foo.com', [['/', 'Prefix']]),
        rule('bar.foo.com', [['/none', 'Exact'], ['/', 'Prefix']]),
      ]}}),
    ]
    await c.ok(['apply', '-f', '-'], {input: docs.join('---\n')})
    const served = async (host: string, path: string) => {
      const a = await httpUntil(`http://${INGRESS}${path}`, {host}, (x) => x.status !== 502 && x.status !== 503)
      return a.body.includes('nginx') || /404 Not Found/.test(a.body) ? undefined : a.body.trim()
    }
    await httpUntil(`http://${INGRESS}/`, {host: 'r0.paths.test'}, (x) => x.body.trim() === 'b1')
    const got = []
    for (const [i, [paths, path]] of rows.entries()) got.push(`${paths.map(([p, t]) => `${t} ${p}`).join(', ')}: ${path} -> ${(await served(`r${i}.paths.test`, path)) ?? 'no match'}`)
    expect(got).toEqual(rows.map(([paths, path, want]) => `${paths.map(([p, t]) => `${t} ${p}`).join(', ')}: ${path} -> ${want ?? 'no match'}`))
    const hosts = []
    for (const h of ['baz.foo.com', 'bar.foo.com', 'a.b.foo.com', 'foo.com']) hosts.push(`${h} -> ${(await served(h, '/x')) ?? 'no match'}`)
    expect(hosts).toEqual(['baz.foo.com -> b1', 'bar.foo.com -> b2', 'a.b.foo.com -> no match', 'foo.com -> no match'])
    await c.ok(['ingress', 'delete', 'paths'])
    for (const b of ['b1', 'b2', 'b3']) await c.ok(['delete', `pod/${b}-pod`, `svc/${b}`])
  })
})
