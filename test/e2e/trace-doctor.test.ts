import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {whoamiCommand} from '../../src/lib/lab/workloads.js'
import {TestCluster} from './helpers.js'

/** doctor's findings as "node:id" (info notes aside). */
type Report = {ok: boolean; findings: Array<{id: string; node?: string; object: string; safe: boolean; severity: string}>; fixed?: string[]; left?: string[]}
const ids = (r: Report) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.node}:${f.id}`)
type Trace = {ok: boolean; hops: Array<{host: string; kind: string; ok: boolean; probe?: {seen: boolean}}>; broken?: {host: string; hop: string; cause: string}; candidates?: Array<{endpoint: string; probability: number}>}

describe('trace and doctor on the lab', () => {
  const c = new TestCluster()
  const sh = (node: string, script: string) => c.onNode(node, ['sh', '-c', script])
  const doctor = async (args: string[] = []) => {
    const r = await c.run(['doctor', ...args, '-o', 'json'])
    return {code: r.code, report: JSON.parse(r.stdout) as Report}
  }
  const trace = async (from: string, to: string, args: string[] = []) => {
    const r = await c.run(['trace', from, to, ...args, '-o', 'json'])
    expect(r.stderr).not.toMatch(/error:/)
    return {code: r.code, t: JSON.parse(r.stdout) as Trace}
  }

  beforeAll(async () => {
    await c.up()
    await c.ok(['pod', 'run', 'web', '--image', 'mk8s/busybox', '--node', 'node1', '-l', 'app=web', '--port', '80', '--', ...whoamiCommand(80)])
    await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', 'node1', '--', 'sleep', '3600'])
  })
  afterAll(async () => {
    await c.down()
  })

  it('a healthy cluster: doctor reports nothing and exits 0', async () => {
    const {code, report} = await doctor()
    expect(ids(report)).toEqual([])
    expect(code).toBe(0)
  })

  it('trace pod to pod on one node: every hop read from node1, confirmed by counters with --probe', async () => {
    const {code, t} = await trace('pod/client', 'pod/web:80')
    expect(code).toBe(0)
    expect(t.hops.map((h) => h.kind)).toEqual(['pod', 'veth', 'bridge', 'forward', 'bridge', 'veth', 'pod'])
    const p = await trace('pod/client', 'pod/web:80', ['--probe'])
    expect(p.code, JSON.stringify(p.t)).toBe(0)
    expect(p.t.hops.filter((h) => h.kind === 'veth').map((h) => h.probe?.seen)).toEqual([true, true])
    const human = await c.run(['trace', 'pod/client', 'pod/web'])
    expect(human.stdout).toMatch(/path works/)
  })

  it('ip_forward off: found, fixed by doctor --fix, and the host has it on again', async () => {
    await sh('node2', 'sysctl -qw net.ipv4.ip_forward=0')
    expect(ids((await doctor()).report)).toEqual(['node2:ip-forward-off'])
    const {code, report} = await doctor(['--fix'])
    expect(report.fixed).toEqual(['ip-forward-off node2 net.ipv4.ip_forward'])
    expect(code).toBe(0)
    expect((await sh('node2', 'cat /proc/sys/net/ipv4/ip_forward')).stdout.trim()).toBe('1')
  })

  it('bridge-nf-call-iptables off, hairpin off, a pod MTU too large: found and fixed', async () => {
    const veth = (await sh('node1', "bridge -j link show | tr '}' '\\n' | grep -o '\"ifname\":\"veth[0-9a-f]*\"' | cut -d'\"' -f4")).stdout.trim().split('\n')
    expect(veth.length).toBe(2)
    await sh('node1', `sysctl -qw net.bridge.bridge-nf-call-iptables=0; bridge link set dev ${veth[0]} hairpin off; ip link set dev ${veth[1]} mtu 1500`)
    expect(ids((await doctor()).report).sort()).toEqual(['node1:bridge-nf-call-iptables-off', 'node1:hairpin-off', 'node1:pod-mtu-too-large'])
    const {code} = await doctor(['--fix'])
    expect(code).toBe(0)
    const after = await sh('node1', `cat /proc/sys/net/bridge/bridge-nf-call-iptables; bridge -d -j link show dev ${veth[0]} | grep -o '"hairpin":[a-z]*'; cat /sys/class/net/${veth[1]}/mtu`)
    expect(after.stdout.trim().split('\n')).toEqual(['1', '"hairpin":true', '1450'])
  })

  it('trace across nodes over VXLAN, confirmed by --probe; a deleted route is named (node1, route) and put back by doctor --fix', async () => {
    await c.ok(['pod', 'run', 'far', '--image', 'mk8s/busybox', '--node', 'node2', '-l', 'app=web', '--port', '80', '--', ...whoamiCommand(80)])
    const {code, t} = await trace('pod/client', 'pod/far:80')
    expect(code, JSON.stringify(t)).toBe(0)
    expect(t.hops.map((h) => `${h.host}:${h.kind}`)).toEqual([
      'node1:pod', 'node1:veth', 'node1:bridge', 'node1:forward', 'node1:route', 'node1:vxlan-encap',
      'node2:vxlan-decap', 'node2:forward', 'node2:route', 'node2:bridge', 'node2:veth', 'node2:pod',
    ])
    const human = await c.run(['trace', 'pod/client', 'pod/far:80'])
    expect(human.stdout).toMatch(/outer 192\.168\.56\.11 -> 192\.168\.56\.12 udp\/8472 VNI 1/)
    const p = await trace('pod/client', 'pod/far:80', ['--probe'])
    expect(p.code, JSON.stringify(p.t)).toBe(0)
    expect(p.t.hops.filter((h) => h.kind.startsWith('vxlan')).map((h) => h.probe?.seen)).toEqual([true, true])
    await sh('node1', 'ip route del 10.244.1.0/24')
    const b = await trace('pod/client', 'pod/far:80')
    expect(b.code).toBe(1)
    expect(b.t.broken).toMatchObject({host: 'node1', hop: 'route'})
    expect((await trace('pod/client', 'pod/far:80', ['--probe'])).code).toBe(1)
    expect(ids((await doctor()).report)).toEqual(['node1:route-missing'])
    const {code: fixed} = await doctor(['--fix'])
    expect(fixed).toBe(0)
    expect((await sh('node1', 'ip route show 10.244.1.0/24')).stdout.trim()).toBe('10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink')
    expect((await trace('pod/client', 'pod/far:80', ['--probe'])).code).toBe(0)
  })

  it("FORWARD policy DROP without mk8s's accept rules on node2: trace names node2 and the forward hop; doctor --fix restores the rules", async () => {
    await sh('node2', 'iptables -D FORWARD -j MK8S-FORWARD && iptables -P FORWARD DROP')
    try {
      const {code, t} = await trace('pod/client', 'pod/far:80')
      expect(code).toBe(1)
      expect(t.broken).toMatchObject({host: 'node2', hop: 'forward'})
      expect(t.broken?.cause).toMatch(/FORWARD policy is DROP on node2/)
      const p = await trace('pod/client', 'pod/far:80', ['--probe'])
      expect(p.code).toBe(1)
      expect(p.t.broken).toMatchObject({host: 'node2', hop: 'forward'})
      expect(p.t.hops.find((h) => h.kind === 'forward' && h.host === 'node2')?.probe?.seen).toBe(true)
      expect(ids((await doctor()).report)).toEqual(['node2:forward-drop'])
      expect((await doctor(['--fix'])).code).toBe(0)
      expect((await trace('pod/client', 'pod/far:80', ['--probe'])).code).toBe(0)
    } finally {
      await sh('node2', 'iptables -P FORWARD ACCEPT')
    }
  })

  it('trace through a service: its KUBE-SVC chain, both endpoints at 50%, the one really chosen followed with --probe', async () => {
    await c.ok(['svc', 'expose', 'pod/web', '--port', '8080', '--target-port', '80', '--name', 'web'])
    const {code, t} = await trace('pod/client', 'svc/web:8080')
    expect(code, JSON.stringify(t)).toBe(0)
    expect(t.candidates!.map((x) => [x.endpoint, x.probability]).sort()).toEqual([
      [expect.stringMatching(/^10\.244\.0\.\d+:80$/), 0.5],
      [expect.stringMatching(/^10\.244\.1\.\d+:80$/), 0.5],
    ])
    expect(t.hops[3].kind).toBe('service')
    const p = await trace('pod/client', 'svc/web:8080', ['--probe'])
    expect(p.code, JSON.stringify(p.t)).toBe(0)
    expect(p.t.hops.find((h) => h.kind === 'service')?.probe?.seen).toBe(true)
    expect((await doctor()).code).toBe(0)
    // chains that no service wants (left by a changed service), the SVC still jumping to its SEP:
    // found, and removed by a full re-sync (which must flush both before deleting either)
    await sh('node1', 'iptables -t nat -N KUBE-SVC-STALESTALESTALE1 && iptables -t nat -N KUBE-SEP-STALESTALESTALE1 && iptables -t nat -A KUBE-SVC-STALESTALESTALE1 -j KUBE-SEP-STALESTALESTALE1')
    expect(ids((await doctor()).report)).toEqual(['node1:stale-service-chains'])
    expect((await doctor(['--fix'])).code).toBe(0)
    expect((await sh('node1', 'iptables -t nat -S KUBE-SVC-STALESTALESTALE1')).code).not.toBe(0)
    expect((await sh('node1', 'iptables -t nat -S KUBE-SEP-STALESTALESTALE1')).code).not.toBe(0)
  })

  it('trace through a UDP service, confirmed by --probe; the flow left to a deleted endpoint is a stale UDP conntrack entry, cleared by --fix', async () => {
    await c.ok(['pod', 'run', 'udp1', '--image', 'mk8s/busybox', '--node', 'node2', '-l', 'app=udp', '--', 'sleep', '3600'])
    await c.ok(['svc', 'expose', 'pod/udp1', '--port', '5353', '--protocol', 'UDP', '--name', 'udp'])
    const udp1 = (await c.json(['pod', 'get', 'udp1'])).status.podIP as string
    const p = await trace('pod/client', 'svc/udp:5353', ['--probe'])
    expect(p.code, JSON.stringify(p.t)).toBe(0)
    expect(p.t.hops.find((h) => h.kind === 'service')?.probe?.seen).toBe(true)
    expect(p.t.hops.filter((h) => h.probe).every((h) => h.probe!.seen), JSON.stringify(p.t.hops)).toBe(true)
    expect(p.t.hops.at(-1)?.host).toBe('node2')
    // the client's flow (within UDP's 30 s conntrack timeout) still points at udp1 once it is gone
    const entries = await sh('node1', 'conntrack -L -p udp --dport 5353 2>/dev/null')
    expect(entries.stdout).toContain(`src=${udp1}`)
    await c.ok(['pod', 'delete', 'udp1'])
    expect(ids((await doctor()).report)).toEqual(['node1:stale-udp-conntrack'])
    expect((await doctor(['--fix'])).code).toBe(0)
    expect((await sh('node1', 'conntrack -L -p udp --dport 5353 2>/dev/null')).stdout).not.toContain(`src=${udp1}`)
    await c.ok(['svc', 'delete', 'udp'])
  })

  it('drift: a stray mk8s-labelled container and a stray veth are removed by --fix; a squatted pod name is left to the user', async () => {
    await sh('node3', 'docker run -d --name stray --label io.mk8s.pod=default/ghost --label io.mk8s.uid=gone --label io.mk8s.container=main mk8s/busybox sleep 3600 >/dev/null')
    await sh('node3', 'ip link add vethdeadbeef type veth peer name vethdeadbee2 && ip link set vethdeadbeef master cni0')
    await sh('node3', 'docker run -d --name k8s_POD_squat_default mk8s/busybox sleep 3600 >/dev/null')
    try {
      const failed = await c.run(['pod', 'run', 'squat', '--image', 'mk8s/busybox', '--node', 'node3', '--', 'sleep', '3600'])
      expect(failed.code).toBe(2)
      expect(failed.stderr).toMatch(/already in use/)
      expect(ids((await doctor()).report).sort()).toEqual(['node3:container-name-in-use', 'node3:stray-container', 'node3:stray-veth'])
      const {code, report} = await doctor(['--fix'])
      expect(code).toBe(1)
      expect(report.fixed?.sort()).toEqual(['stray-container node3 container/stray', 'stray-veth node3 vethdeadbeef'])
      expect(report.left).toEqual(['container-name-in-use node3 container/k8s_POD_squat_default'])
      const left = await sh('node3', 'docker ps -a --format {{.Names}}; ip -o link show | grep -c vethdeadbeef || true')
      expect(left.stdout.trim().split('\n')).toEqual(['k8s_POD_squat_default', '0'])
    } finally {
      await sh('node3', 'docker rm -f k8s_POD_squat_default stray >/dev/null 2>&1; ip link del vethdeadbeef 2>/dev/null; true')
    }
  })

  it("Docker's pitfalls: a container that exited because its port was taken, a pod whose containers are gone, an overlapping network", async () => {
    // two containers declaring one port are refused at input; here the second says 81 but binds 80 all the same
    const manifest = JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: {name: 'clash'},
      spec: {nodeName: 'node2', restartPolicy: 'Never', containers: [
        {name: 'one', image: 'mk8s/busybox', command: ['httpd', '-f', '-p', '80'], ports: [{containerPort: 80}]},
        {name: 'two', image: 'mk8s/busybox', command: ['sh', '-c', 'sleep 1; exec httpd -f -p 80'], ports: [{containerPort: 81}]},
      ]},
    })
    await c.ok(['apply', '-f', '-'], {input: manifest})
    await c.ok(['pod', 'run', 'victim', '--image', 'mk8s/busybox', '--node', 'node2', '--', 'sleep', '3600'])
    await sh('node2', 'docker rm -f $(docker ps -aq --filter label=io.mk8s.pod=default/victim) >/dev/null')
    await sh('node3', 'docker network create --subnet 10.244.200.0/24 overlap >/dev/null')
    try {
      await sh('node2', 'for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(docker inspect -f {{.State.Status}} k8s_two_clash_default)" = exited ] && break; sleep 0.5; done')
      const {code, report} = await doctor()
      expect(code).toBe(1)
      expect(ids(report).sort()).toEqual(['node2:pod-containers-gone', 'node2:port-taken', 'node3:pool-overlap'])
    } finally {
      await sh('node3', 'docker network rm overlap >/dev/null')
      await c.ok(['pod', 'delete', 'clash'])
      await c.ok(['pod', 'delete', 'victim'])
    }
  })

  it('VXLAN UDP 8472 dropped by a rule, both iptables backends holding rules, a namespace the host lost', async () => {
    await sh('node2', 'iptables -I INPUT -s 192.168.56.11 -p udp --dport 8472 -j DROP; iptables-legacy -A INPUT -s 192.0.2.99 -j ACCEPT')
    await c.ok(['netns', 'add', 'red', '--node', 'node3'])
    await sh('node3', 'ip netns del red')
    try {
      const {report} = await doctor(['--fix'])
      expect(report.left?.sort()).toEqual(['iptables-both-backends node2 iptables', 'netns-gone node3 netns/red', 'vxlan-port-blocked node2 udp/8472'])
      expect(report.findings.find((f) => f.id === 'vxlan-port-blocked')?.safe).toBe(false)
    } finally {
      await sh('node2', 'iptables -D INPUT -s 192.168.56.11 -p udp --dport 8472 -j DROP; iptables-legacy -D INPUT -s 192.0.2.99 -j ACCEPT')
      await c.run(['netns', 'del', 'red', '--node', 'node3'])
    }
    expect((await doctor()).code).toBe(0)
  })
})

describe('trace through a service in nftables mode', () => {
  const c = new TestCluster()
  beforeAll(async () => {
    await c.up(['--proxy-mode', 'nftables'])
    await c.ok(['pod', 'run', 'web', '--image', 'mk8s/busybox', '--node', 'node1', '-l', 'app=web', '--port', '80', '--', ...whoamiCommand(80)])
    await c.ok(['pod', 'run', 'web2', '--image', 'mk8s/busybox', '--node', 'node2', '-l', 'app=web', '--port', '80', '--', ...whoamiCommand(80)])
    await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', 'node3', '--', 'sleep', '3600'])
    await c.ok(['svc', 'expose', 'pod/web', '--port', '8080', '--target-port', '80', '--name', 'web'])
  })
  afterAll(async () => {
    await c.down()
  })

  it('the verdict map element, its service chain, both endpoints at 50%; --probe reaches one of them', async () => {
    const r = await c.run(['trace', 'pod/client', 'svc/web:8080', '-o', 'json'])
    const t = JSON.parse(r.stdout) as Trace
    expect(r.code, r.stdout).toBe(0)
    expect(t.hops[3]).toMatchObject({host: 'node3', kind: 'service', ok: true})
    expect(t.candidates?.map((x) => x.probability)).toEqual([0.5, 0.5])
    const p = await c.run(['trace', 'pod/client', 'svc/web:8080', '--probe'])
    expect(p.code, p.stdout).toBe(0)
    expect(p.stdout).toMatch(/service-\S+ -> 10\.244\.[01]\.\d+:80, one of 2/)
    expect((await c.run(['doctor'])).code).toBe(0)
  })

  it("doctor compares node2's service table with the state both ways; --fix rewrites it", async () => {
    const t = (await c.ok(['node', 'exec', 'node2', '--', 'nft', 'list', 'table', 'ip', 'mk8s'])).split('\n')
    const chain = t.map((l) => /^\s*chain (endpoint-\S+) \{/.exec(l)?.[1]).find(Boolean)!
    const element = t.find((l) => /elements = \{ 10\.96\./.test(l))!.replace(/.*elements = \{ /, '').replace(/[,}].*/, '').trim()
    // an element of a service that is not there, an endpoint chain flushed and a service's element deleted by hand
    await c.ok(['node', 'exec', 'node2', '--', 'sh', '-c', `nft add element ip mk8s service-ips '{ 10.96.99.99 . tcp . 80 : goto reject-chain }' && nft flush chain ip mk8s '${chain}' && nft delete element ip mk8s service-ips '{ ${element.replace(/ : .*/, '')} }'`])
    const d = await c.run(['doctor', '-o', 'json'])
    expect(d.code).toBe(1)
    const found = (JSON.parse(d.stdout) as {findings: Array<{id: string; node?: string; evidence: string}>}).findings.filter((f) => f.id.startsWith('service-') || f.id.startsWith('stale-service'))
    expect(found.map((f) => `${f.node}:${f.id}`)).toEqual(['node2:stale-service-rules', 'node2:service-rules-missing'])
    expect(found[0].evidence).toContain('service-ips 10.96.99.99 . tcp . 80 : goto reject-chain')
    expect(found[1].evidence).toContain(element.replace(/ : .*/, ''))
    expect(found[1].evidence).toContain(`${chain} (0 of`)
    expect((await c.run(['doctor', '--fix'])).code).toBe(0)
    expect((await c.run(['doctor'])).code).toBe(0)
    expect((await c.run(['trace', 'pod/client', 'svc/web:8080', '--probe'])).code).toBe(0)
  })
})
