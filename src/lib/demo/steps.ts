import {fooBarIngress} from '../ingress/example.js'
import {httpUntil} from '../lab/http.js'
import {whoamiCommand} from '../lab/workloads.js'
import type {DemoStep} from './runner.js'

const LAB = ['node1', 'node2', 'node3']
const addr = (n: string) => `192.168.56.${10 + Number(n.slice(4))}`

/** A whoami pod on a node (busybox httpd: "hello from <pod>" at /, the client's address at /cgi-bin/whoami). */
const whoamiPod = (name: string, app: string, node: string) => ['pod', 'run', name, '--image', 'mk8s/busybox', '--node', node, '-l', `app=${app}`, '--port', '80', '--', ...whoamiCommand(80)]

const serviceYaml = (name: string, app: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    app: ${app}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 80\n`

/** The addresses busybox nslookup answered with. */
const answers = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('Address: ')).map((l) => l.slice(9).trim())


/** The documents' scenarios, in their order. Each step runs real commands and checks real traffic. */
export const demoSteps = (): DemoStep[] => [
  {
    id: 'cluster',
    title: 'A cluster of three hosts',
    explains: 'Three hosts made on this machine (own sshd and dockerd) join one cluster; each gets a /24 of 10.244.0.0/16 and a cni0 bridge holding .1.',
    async run(c) {
      await c.ok(['cluster', 'reset', '--force'])
      await c.ok(['cluster', 'init'])
      for (const n of LAB) await c.ok(['node', 'join', n, '--ssh', `root@${addr(n)}`])
      const nodes = JSON.parse(await c.ok(['node', 'list', '-o', 'json'])).items as Array<{spec: {podCIDR: string}; status: {conditions: Array<{status: string}>}}>
      c.check('three nodes Ready', nodes.length === 3 && nodes.every((n) => n.status.conditions[0].status === 'True'))
      c.check('distinct /24 per node', new Set(nodes.map((n) => n.spec.podCIDR)).size === 3, nodes.map((n) => n.spec.podCIDR).join(' '))
    },
  },
  {
    id: 'p2p',
    title: 'Two namespaces over a veth pair',
    explains: 'The "simple p2p" model: ip netns add red/blue, a veth pair between them, 10.0.0.1 and 10.0.0.2, and a ping across.',
    async run(c) {
      await c.ok(['netns', 'add', 'red'])
      await c.ok(['netns', 'add', 'blue'])
      await c.ok(['netns', 'link', 'red', 'blue', '--cidr', '10.0.0.0/30'])
      const p = await c.mk8s(['netns', 'exec', 'red', '--', 'ping', '-c1', '-W2', '10.0.0.2'])
      c.check('red pings blue over the veth pair', p.code === 0, p.stdout.split('\n').find((l) => l.includes('received')))
    },
  },
  {
    id: 'bridge',
    title: 'The bridge model',
    explains: 'Namespaces on a Linux bridge: each on a veth port, the bridge holds .1 and is their default gateway.',
    async run(c) {
      for (const n of ['green', 'yellow']) await c.ok(['netns', 'add', n])
      await c.ok(['netns', 'bridge', 'br0', '--members', 'green,yellow', '--cidr', '10.0.1.0/24'])
      const p = await c.mk8s(['netns', 'exec', 'green', '--', 'ping', '-c1', '-W2', '10.0.1.3'])
      c.check('green pings yellow across br0', p.code === 0)
      const g = await c.mk8s(['netns', 'exec', 'green', '--', 'ping', '-c1', '-W2', '10.0.1.1'])
      c.check('green pings the bridge (its gateway)', g.code === 0)
    },
  },
  {
    id: 'dns',
    title: 'Cluster DNS: services by name',
    explains: 'dnsmasq on every node answers at 10.96.0.10 (on mk8s-dns0); pods get it in resolv.conf with the search path <ns>.svc.cluster.local svc.cluster.local cluster.local, so a bare service name resolves.',
    async run(c) {
      await c.ok(whoamiPod('dns-web', 'dns-web', 'node2'))
      await c.ok(['apply', '-f', '-'], {input: serviceYaml('dns-web', 'dns-web')})
      await c.ok(['pod', 'run', 'dns-client', '--image', 'mk8s/busybox', '--node', 'node2', '--', 'sleep', '3600'])
      const ip = JSON.parse(await c.ok(['svc', 'get', 'dns-web', '-o', 'json'])).spec.clusterIP as string
      for (const name of ['dns-web.default.svc.cluster.local', 'dns-web']) {
        const r = await c.mk8s(['pod', 'exec', 'dns-client', '--', 'timeout', '10', 'nslookup', name])
        c.check(`nslookup ${name} -> ClusterIP`, answers(r.stdout).includes(ip), answers(r.stdout).join(' ') || r.stderr.trim())
      }
      const srv = await c.mk8s(['pod', 'exec', 'dns-client', '--', 'timeout', '10', 'nslookup', '-type=srv', '_http._tcp.dns-web.default.svc.cluster.local'])
      c.check('SRV for the named port http', srv.stdout.includes('service = 0 100 80 dns-web.default.svc.cluster.local'), srv.stdout.split('\n').find((l) => l.includes('service =')))
      // libc's resolver follows ndots:5 and the search path (busybox nslookup tries a dotted name only as given)
      const web = await c.mk8s(['pod', 'exec', 'dns-client', '--', 'timeout', '10', 'wget', '-qO-', 'http://dns-web.default/'])
      c.check('wget http://dns-web.default/ through the search path', web.stdout.includes('hello from dns-web'), web.stdout.trim() || web.stderr.trim())
    },
  },
  {
    id: 'ingress',
    title: 'Ingress: foo.bar.com, /foo and /bar',
    explains: "The documents' Ingress: nginx on node1's address serves foo.bar.com, /foo to service s1 and /bar to s2 (pod addresses as upstreams); an unknown host gets 404 from the default server.",
    async run(c) {
      for (const [svc, path] of [['s1', 'foo'], ['s2', 'bar']]) {
        await c.ok(whoamiPod(`${svc}-pod`, svc, 'node1'))
        await c.ok(['pod', 'exec', `${svc}-pod`, '--', 'sh', '-c', `mkdir -p /www && echo "${svc} answers /${path}" >/www/${path}`])
        await c.ok(['apply', '-f', '-'], {input: serviceYaml(svc, svc)})
      }
      await c.ok(['apply', '-f', '-'], {input: fooBarIngress()})
      const ing = JSON.parse(await c.ok(['ingress', 'get', 'test', '-o', 'json']))
      const address = ing.status.loadBalancer.ingress?.[0]?.ip as string
      c.check('ADDRESS is the ingress node', address === addr('node1'), address)
      for (const [path, want] of [['/foo', 's1 answers /foo'], ['/bar', 's2 answers /bar']]) {
        const a = await httpUntil(`http://${address}${path}`, {host: 'foo.bar.com'}, (x) => x.status === 200)
        c.check(`foo.bar.com${path} -> ${want.slice(0, 2)}`, a.body.trim() === want, `${a.status} ${a.body.trim()}`)
      }
      const unknown = await httpUntil(`http://${address}/foo`, {host: 'unknown.example'}, (x) => x.status === 404)
      c.check('an unknown host gets 404', unknown.status === 404, String(unknown.status))
    },
  },
]
