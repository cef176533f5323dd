import {readFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parseWhoami, whoamiCommand} from '../../src/lib/lab/workloads.js'
import {TestCluster} from './helpers.js'

/** a pod-run argv list for the whoami server */
const whoami = (name: string, node: string, extra: string[] = []) => ['pod', 'run', name, '--image', 'mk8s/busybox', '--node', node, '-l', 'app=whoami', '--port', '80', ...extra, '--', ...whoamiCommand(80)]
const wget = (url: string) => ['timeout', '5', 'wget', '-qO-', url]

for (const driver of ['ip', 'cni'] as const) {
  describe(`pods with --driver ${driver}`, () => {
    const c = new TestCluster()
    beforeAll(async () => {
      await c.up(['--driver', driver])
    })
    afterAll(async () => {
      await c.down()
    })

    it('pod to pod and node to pod on one node, with the client address preserved', async () => {
      await c.ok(whoami('server', 'node1'))
      await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', 'node1', '--', 'sleep', '3600'])
      const server = await c.json(['pod', 'get', 'server'])
      const client = await c.json(['pod', 'get', 'client'])
      expect(server.status.phase).toBe('Running')
      expect(server.spec.nodeName).toBe('node1')
      expect(server.status.podIP).toMatch(/^10\.244\.0\.\d+$/)
      expect(server.status.containerStatuses[0].state.running).toBeDefined()
      const r = await c.run(['pod', 'exec', 'client', '--', ...wget(`http://${server.status.podIP}/cgi-bin/whoami`)])
      expect(r.code, r.stderr).toBe(0)
      expect(parseWhoami(r.stdout)).toEqual({host: expect.any(String), client: client.status.podIP})
      const fromNode = await c.onNode('node1', ['wget', '-qO-', `http://${server.status.podIP}/cgi-bin/whoami`])
      expect(parseWhoami(fromNode.stdout).client).toBe('10.244.0.1')
      // the pod's eth0 MTU follows the backend (vxlan: underlay - 50)
      const mtu = await c.run(['pod', 'exec', 'client', '--', 'cat', '/sys/class/net/eth0/mtu'])
      expect(mtu.stdout.trim()).toBe('1450')
    })

    it.runIf(driver === 'cni')('lab reboot node1: both pods answer again on their addresses, each lease taken again by its own sandbox, with no mk8s command', async () => {
      const server = await c.json(['pod', 'get', 'server'])
      const client = await c.json(['pod', 'get', 'client'])
      const r = await c.run(['lab', 'reboot', 'node1', '-o', 'json'])
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout).boot).toBe('boot script exited 0')
      const again = await c.run(['pod', 'exec', 'client', '--', ...wget(`http://${server.status.podIP}/cgi-bin/whoami`)])
      expect(again.code, again.stderr).toBe(0)
      expect(parseWhoami(again.stdout)).toEqual({host: expect.any(String), client: client.status.podIP})
      const lease = await c.onNode('node1', ['sh', '-c', `docker inspect --format '{{.Id}}' k8s_POD_server_default; head -n1 /var/lib/cni/networks/mk8s/${server.status.podIP} | tr -d '\\r'`])
      const [id, holder] = lease.stdout.trim().split('\n')
      expect(holder).toBe(id)
    })

    it('deleting pods removes containers, veths and leases', async () => {
      await c.ok(['pod', 'delete', 'server'])
      await c.ok(['pod', 'delete', 'client'])
      const left = await c.onNode('node1', ['sh', '-c', 'docker ps -aq | wc -l; ip -o link | grep -c ": veth" || true'])
      expect(left.stdout.trim().split('\n')).toEqual(['0', '0'])
      expect(JSON.parse(readFileSync(c.state, 'utf8')).pods).toEqual({})
      if (driver === 'cni') {
        const leases = await c.onNode('node1', ['sh', '-c', 'ls /var/lib/cni/networks/mk8s 2>/dev/null | grep -c "^10\\." || true'])
        expect(leases.stdout.trim()).toBe('0')
      }
    })
  })
}

describe('pods: the documents’ examples and pitfalls', () => {
  const c = new TestCluster()
  beforeAll(async () => {
    await c.up()
  })
  afterAll(async () => {
    await c.down()
  })

  it('a two-container pod (web server plus busybox) shares localhost and one address on eth0', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: busybox-nginx
spec:
  nodeName: node2
  containers:
  - name: busybox
    image: mk8s/busybox
    args: ["sleep", "12000"]
  - name: nginx
    image: mk8s/busybox
    command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
    ports:
    - containerPort: 80
`
    await c.ok(['apply', '-f', '-'], {input: manifest})
    const r = await c.run(['pod', 'exec', 'busybox-nginx', '-c', 'busybox', '--', ...wget('http://localhost:80/passwd')])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('root:x:0:0')
    const ip = (await c.json(['pod', 'get', 'busybox-nginx'])).status.podIP
    for (const container of ['busybox', 'nginx']) {
      const a = await c.run(['pod', 'exec', 'busybox-nginx', '-c', container, '--', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])
      expect(a.stdout).toContain(`inet ${ip}/24`)
    }
    await c.ok(['delete', '-f', '-'], {input: manifest})
  })

  it('a Deployment of three spreads over three nodes, scales to one, and deletes with nothing left', async () => {
    const deploy = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: mk8s/busybox
        command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
        ports: [{containerPort: 80}]
`
    await c.ok(['apply', '-f', '-'], {input: deploy(3)})
    let pods = (await c.json(['pod', 'list', '-l', 'app=web'])).items
    expect(pods).toHaveLength(3)
    expect(pods.map((p: any) => p.spec.nodeName).sort()).toEqual(['node1', 'node2', 'node3'])
    await c.ok(['apply', '-f', '-'], {input: deploy(1)})
    pods = (await c.json(['pod', 'list', '-l', 'app=web'])).items
    expect(pods).toHaveLength(1)
    await c.ok(['delete', '-f', '-'], {input: deploy(1)})
    expect((await c.json(['pod', 'list'])).items).toHaveLength(0)
    for (const n of ['node1', 'node2', 'node3']) {
      const left = await c.onNode(n, ['sh', '-c', 'docker ps -aq | wc -l; ip -o link | grep -c ": veth" || true'])
      expect(left.stdout.trim().split('\n'), n).toEqual(['0', '0'])
    }
  })

  it('pitfalls: a taken name, a port used twice in a pod, malformed YAML, invalid names are exit 2', async () => {
    await c.ok(['pod', 'run', 'one', '--image', 'mk8s/busybox', '--node', 'node3', '--', 'sleep', '600'])
    const before = await c.json(['pod', 'get', 'one'])
    const taken = await c.run(['pod', 'run', 'one', '--image', 'mk8s/busybox', '--', 'sleep', '1'])
    expect(taken.code).toBe(2)
    expect(taken.stderr).toMatch(/already exists/)
    const after = await c.json(['pod', 'get', 'one'])
    expect(after.metadata.uid).toBe(before.metadata.uid)
    expect(after.status.containerStatuses[0].containerID).toBe(before.status.containerStatuses[0].containerID)

    const twoOnOnePort = `apiVersion: v1
kind: Pod
metadata: {name: clash}
spec:
  containers:
  - {name: a, image: mk8s/busybox, ports: [{containerPort: 80}]}
  - {name: b, image: mk8s/busybox, ports: [{containerPort: 80}]}
`
    const clash = await c.run(['apply', '-f', '-'], {input: twoOnOnePort})
    expect(clash.code).toBe(2)
    expect(clash.stderr).toMatch(/both use port 80\/TCP/)
    const bad = await c.run(['apply', '-f', '-'], {input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n'})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/malformed YAML/)
    const badName = await c.run(['pod', 'run', 'Bad_Name', '--image', 'mk8s/busybox'])
    expect(badName.code).toBe(2)
    expect((await c.json(['pod', 'list'])).items.map((p: any) => p.metadata.name)).toEqual(['one'])
  })

  it("Docker's 409: a container name in use on the node is refused, naming the container", async () => {
    await c.onNode('node2', ['docker', 'run', '-d', '--name', 'k8s_POD_squatter_default', 'mk8s/pause'])
    const r = await c.run(['pod', 'run', 'squatter', '--image', 'mk8s/busybox', '--node', 'node2', '--', 'sleep', '60'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/already in use on node node2 by container [0-9a-f]{12}/)
    expect((await c.json(['pod', 'list'])).items.map((p: any) => p.metadata.name)).toEqual(['one'])
    await c.onNode('node2', ['docker', 'rm', '-f', 'k8s_POD_squatter_default'])
    await c.ok(['pod', 'run', 'squatter', '--image', 'mk8s/busybox', '--node', 'node2', '--', 'sleep', '60'])
  })

  it('a container that exits at start shows in describe with its last log lines; a missing image names the node', async () => {
    await c.ok(['pod', 'run', 'crash', '--image', 'mk8s/busybox', '--restart', 'Never', '--', 'sh', '-c', 'echo cannot bind port; exit 3'])
    let d = ''
    for (let i = 0; i < 20 && !d.includes('exit code 3'); i++) {
      d = await c.ok(['pod', 'describe', 'crash'])
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(d).toMatch(/Status:\s+Error/)
    expect(d).toContain('Terminated (exit code 3)')
    expect(d).toContain('cannot bind port')
    const img = await c.run(['pod', 'run', 'noimg', '--image', 'mk8s/nothing:1', '--node', 'node1'])
    expect(img.code).toBe(1)
    expect(img.stderr).toMatch(/not on node node1/)
    expect(img.stderr).toMatch(/docker load/)
    const left = await c.onNode('node1', ['sh', '-c', 'docker ps -aq --filter label=io.mk8s.pod=default/noimg | wc -l'])
    expect(left.stdout.trim()).toBe('0')
  })

  it('--dry-run shows the commands and creates nothing', async () => {
    const r = await c.run(['pod', 'run', 'dry', '--image', 'mk8s/busybox', '--node', 'node1', '--dry-run', '--', 'sleep', '1'])
    expect(r.code).toBe(0)
    // the pause container carries the pod's hostname, its own address in /etc/hosts (as kubelet writes it) and the cluster DNS
    expect(r.stdout).toMatch(/docker run -d --name k8s_POD_dry_default --network none --hostname dry --add-host dry:10\.244\.0\.\d+ --dns 10\.96\.0\.10 --dns-search default\.svc\.cluster\.local/)
    expect(r.stdout).toMatch(/--dns-option ndots:5 mk8s\/pause:latest\n/)
    expect(r.stdout).toMatch(/bridge link set dev veth[0-9a-f]{8} hairpin on/)
    expect((await c.json(['pod', 'list'])).items.map((p: any) => p.metadata.name)).not.toContain('dry')
  })
})
