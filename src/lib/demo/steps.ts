import {fooBarIngress} from '../ingress/example.js'
import {httpUntil} from '../lab/http.js'
import {parseWhoami, whoamiCommand} from '../lab/workloads.js'
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
    id: 'pod',
    title: 'A pod of two containers sharing localhost',
    explains: "A pause container owns the pod's network namespace (veth on cni0, an address from the node's /24); a web server and a busybox join it with --network container:<pause>, so busybox reaches the server on localhost and both see one eth0.",
    async run(c) {
      const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: busybox-web
spec:
  nodeName: node1
  containers:
  - name: busybox
    image: mk8s/busybox
    args: ["sleep", "12000"]
  - name: web
    image: mk8s/busybox
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    ports:
    - containerPort: 80
`
      await c.ok(['apply', '-f', '-'], {input: manifest})
      const r = await c.mk8s(['pod', 'exec', 'busybox-web', '-c', 'busybox', '--', 'timeout', '5', 'wget', '-qO-', 'http://localhost:80/passwd'])
      c.check('busybox reaches the web server on localhost', r.code === 0 && r.stdout.includes('root:x:0:0'), r.stdout.split('\n')[0] || r.stderr.trim())
      const ip = JSON.parse(await c.ok(['pod', 'get', 'busybox-web', '-o', 'json'])).status.podIP as string
      const seen = await Promise.all(['busybox', 'web'].map((ctr) => c.mk8s(['pod', 'exec', 'busybox-web', '-c', ctr, '--', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])))
      c.check('both containers see the pod address on eth0', seen.every((x) => x.stdout.includes(`inet ${ip}/24`)), ip)
    },
  },
  {
    id: 'pod-to-pod',
    title: 'Pod to pod, on one node and across nodes',
    explains: 'Pods on one node talk over cni0; across nodes over flannel.1 (VXLAN, VNI 1, UDP 8472), with no NAT: the server sees the client pod\'s own address.',
    async run(c) {
      await c.ok(whoamiPod('web-a', 'web', 'node1'))
      await c.ok(whoamiPod('web-b', 'web', 'node2'))
      await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', 'node1', '--', 'sleep', '36000'])
      const get = async (pod: string) => JSON.parse(await c.ok(['pod', 'get', pod, '-o', 'json'])).status.podIP as string
      const client = await get('client')
      for (const [server, where] of [['web-a', 'on one node'], ['web-b', 'across nodes']]) {
        const ip = await get(server)
        let out = ''
        for (let i = 0; i < 20 && !out.includes('host='); i++) {
          out = (await c.mk8s(['pod', 'exec', 'client', '--', 'timeout', '5', 'wget', '-qO-', `http://${ip}/cgi-bin/whoami`])).stdout
          if (!out.includes('host=')) await new Promise((r) => setTimeout(r, 250))
        }
        const w = parseWhoami(out)
        c.check(`client -> ${server} ${where}, client address kept`, w.host === server && w.client === client, out.trim())
      }
    },
  },
  {
    id: 'clusterip',
    title: 'A ClusterIP service balancing over pods',
    explains: "kube-proxy's chains: KUBE-SERVICES matches the ClusterIP, KUBE-SVC-* picks an endpoint with statistic --probability, KUBE-SEP-* DNATs to it (see iptables-save -t nat on any node).",
    async run(c) {
      await c.ok(['apply', '-f', '-'], {input: serviceYaml('web', 'web')})
      const ip = JSON.parse(await c.ok(['svc', 'get', 'web', '-o', 'json'])).spec.clusterIP as string
      const seen = new Set<string>()
      for (let i = 0; i < 16; i++) {
        const r = await c.mk8s(['pod', 'exec', 'client', '--', 'timeout', '5', 'wget', '-qO-', `http://${ip}/cgi-bin/whoami`])
        const h = parseWhoami(r.stdout).host
        if (h) seen.add(h)
      }
      c.check(`16 requests to ${ip} reach both endpoints`, seen.has('web-a') && seen.has('web-b'), [...seen].join(', '))
    },
  },
  {
    id: 'nodeport',
    title: 'NodePort on every node',
    explains: 'A NodePort service answers on every node\'s own address (KUBE-NODEPORTS), here from the control machine at 192.168.56.1.',
    async run(c) {
      await c.ok(['svc', 'expose', 'pod/web-a', '--port', '80', '--type', 'NodePort', '--name', 'web-np'])
      const port = JSON.parse(await c.ok(['svc', 'get', 'web-np', '-o', 'json'])).spec.ports[0].nodePort as number
      for (const n of LAB) {
        const a = await httpUntil(`http://${addr(n)}:${port}/`, {host: addr(n)}, (x) => x.status === 200)
        // the selector (app=web) takes in both web pods: either may answer
        c.check(`${n}:${port} answers`, /hello from web-[ab]/.test(a.body), `${a.status} ${a.body.trim()}`)
      }
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
  {
    id: 'trace',
    title: 'A packet followed across nodes',
    explains: 'mk8s trace reads every host on the way: the pod\'s eth0, its veth and cni0, the route to the peer\'s /24 via flannel.1, the VXLAN outer addresses, VNI and port, then the far cni0, veth and pod; --probe sends real traffic and confirms each hop with kernel counters.',
    async run(c) {
      await c.ok(['pod', 'run', 'trace-a', '--image', 'mk8s/busybox', '--node', 'node1', '--', 'sleep', '3600'])
      await c.ok(['pod', 'run', 'trace-b', '--image', 'mk8s/busybox', '--node', 'node2', '--', 'sleep', '3600'])
      const r = await c.mk8s(['trace', 'pod/trace-a', 'pod/trace-b', '--probe', '-o', 'json'])
      const t = JSON.parse(r.stdout || '{}') as {ok?: boolean; hops?: Array<{kind: string; detail: string; probe?: {seen: boolean}}>; broken?: {host: string; hop: string; cause: string}}
      const encap = t.hops?.find((h) => h.kind === 'vxlan-encap')
      c.check('trace finds a working path (exit 0)', r.code === 0 && t.ok === true, t.broken ? `${t.broken.host} ${t.broken.hop}: ${t.broken.cause}` : undefined)
      c.check('the path crosses flannel.1 (VXLAN, VNI 1, udp/8472)', Boolean(encap?.detail.includes('udp/8472 VNI 1')), encap?.detail)
      c.check('kernel counters saw the probe on both VTEPs', (t.hops ?? []).filter((h) => h.kind.startsWith('vxlan')).every((h) => h.probe?.seen))
      await c.ok(['pod', 'delete', 'trace-a'])
      await c.ok(['pod', 'delete', 'trace-b'])
    },
  },
]
