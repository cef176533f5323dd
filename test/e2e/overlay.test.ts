import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parseWhoami, whoamiCommand} from '../../src/lib/lab/workloads.js'
import {vtepMac} from '../../src/lib/overlay/plan.js'
import {LAB_NODES, TestCluster, labAddress} from './helpers.js'

const idx = (n: string) => Number(n.replace('node', '')) - 1
const cidrOf = (n: string) => `10.244.${idx(n)}.0/24`
const pod = (n: string) => `web-${n}`

class OverlayCluster extends TestCluster {
  ips = new Map<string, string>()

  async runPods(nodes: readonly string[]): Promise<void> {
    for (const n of nodes) {
      await this.ok(['pod', 'run', pod(n), '--image', 'mk8s/busybox', '--node', n, '-l', `app=${pod(n)}`, '--port', '8080', '--', ...whoamiCommand(8080)])
      this.ips.set(n, (await this.json(['pod', 'get', pod(n)])).status.podIP)
    }
  }

  /** wget from the web pod on `from`, bounded in time. */
  get(from: string, url: string, pipe = '') {
    return this.run(['pod', 'exec', pod(from), '--', 'sh', '-c', `timeout 10 wget -q -O - "$0"${pipe}`, url])
  }

  /** Every ordered pair of pods talks HTTP, and the server sees the client pod's own address. */
  async allPairsTalk(nodes: readonly string[]): Promise<void> {
    for (const a of nodes) {
      for (const b of nodes) {
        if (a === b) continue
        const r = await this.get(a, `http://${this.ips.get(b)}:8080/cgi-bin/whoami`)
        expect(parseWhoami(r.stdout), `${a} -> ${b}: ${r.stderr}`).toEqual({host: pod(b), client: this.ips.get(a)})
      }
    }
  }

  async transfer2MB(from: string, to: string): Promise<void> {
    await this.ok(['pod', 'exec', pod(to), '--', 'dd', 'if=/dev/zero', 'of=/www/big', 'bs=1024', 'count=2048'])
    const r = await this.get(from, `http://${this.ips.get(to)}:8080/big`, ' | wc -c')
    expect(r.stdout.trim(), r.stderr).toBe(String(2 * 1024 * 1024))
  }

  /** The source a listener outside the pod network (the lab gateway) sees for a pod on `from`. */
  async egressSource(from: string): Promise<string> {
    let seen = ''
    const server = createServer((req, res) => {
      seen = req.socket.remoteAddress ?? ''
      res.end('ok\n')
    })
    await new Promise<void>((resolve) => server.listen(0, '192.168.56.1', resolve))
    try {
      const r = await this.get(from, `http://192.168.56.1:${(server.address() as AddressInfo).port}/`)
      expect(r.stdout.trim(), r.stderr).toBe('ok')
      return seen.replace(/^::ffff:/, '')
    } finally {
      server.close()
    }
  }

  /** A node (its root namespace) fetches from the pod on `to`; returns the client address the pod saw. */
  async nodeToPod(from: string, to: string): Promise<string> {
    const r = await this.onNode(from, ['timeout', '10', 'busybox', 'wget', '-q', '-O', '-', `http://${this.ips.get(to)}:8080/cgi-bin/whoami`])
    expect(r.code, r.stderr).toBe(0)
    return parseWhoami(r.stdout).client ?? ''
  }

  async setForwardPolicy(policy: 'DROP' | 'ACCEPT'): Promise<void> {
    for (const n of LAB_NODES) expect((await this.onNode(n, ['iptables', '-w', '-P', 'FORWARD', policy])).code).toBe(0)
  }

  async podMtu(n: string): Promise<string> {
    return (await this.run(['pod', 'exec', pod(n), '--', 'cat', '/sys/class/net/eth0/mtu'])).stdout.trim()
  }
}

describe('overlay: vxlan (flannel.1)', () => {
  const c = new OverlayCluster()
  beforeAll(async () => {
    await c.up()
    await c.runPods(LAB_NODES)
  })
  afterAll(async () => {
    await c.setForwardPolicy('ACCEPT')
    await c.down()
  })

  it('each node has flannel.1 as flannel makes it, and one route, ARP and FDB entry per peer', async () => {
    for (const n of LAB_NODES) {
      const d = JSON.parse((await c.onNode(n, ['ip', '-d', '-j', 'link', 'show', 'flannel.1'])).stdout)[0]
      expect(d.mtu).toBe(1450)
      expect(d.address).toBe(vtepMac(cidrOf(n)))
      expect(d.linkinfo.info_data).toMatchObject({id: 1, port: 8472, learning: false, local: labAddress(n)})
      expect((await c.onNode(n, ['ip', '-br', 'addr', 'show', 'flannel.1'])).stdout).toContain(`10.244.${idx(n)}.0/32`)
      expect((await c.onNode(n, ['cat', '/sys/class/net/cni0/mtu'])).stdout.trim()).toBe('1450')
      expect(await c.podMtu(n)).toBe('1450')
      const peers = LAB_NODES.filter((p) => p !== n)
      const routes = (await c.onNode(n, ['ip', 'route', 'show', 'dev', 'flannel.1'])).stdout.trim().split('\n').map((l) => l.trim())
      expect(routes.sort()).toEqual(peers.map((p) => `${cidrOf(p)} via 10.244.${idx(p)}.0 onlink`).sort())
      const neigh = JSON.parse((await c.onNode(n, ['ip', '-j', 'neigh', 'show', 'dev', 'flannel.1'])).stdout)
      expect(neigh.map((e: any) => [e.dst, e.lladdr, e.state]).sort()).toEqual(peers.map((p) => [`10.244.${idx(p)}.0`, vtepMac(cidrOf(p)), ['PERMANENT']]).sort())
      const fdb = JSON.parse((await c.onNode(n, ['bridge', '-j', 'fdb', 'show', 'dev', 'flannel.1'])).stdout)
      expect(fdb.map((e: any) => [e.mac, e.dst]).sort()).toEqual(peers.map((p) => [vtepMac(cidrOf(p)), labAddress(p)]).sort())
    }
  })

  it('pods: every ordered pair on three nodes talks HTTP and sees the client pod\'s own address', async () => {
    await c.allPairsTalk(LAB_NODES)
  })

  it('a 2 MB transfer crosses nodes; a node reaches a pod on another node; egress shows the node address', async () => {
    await c.transfer2MB('node1', 'node3')
    await c.transfer2MB('node3', 'node2')
    const ping = await c.onNode('node1', ['ping', '-c1', '-W2', '10.244.1.1'])
    expect(ping.code, ping.stdout + ping.stderr).toBe(0)
    expect(await c.nodeToPod('node1', 'node2')).toBe('10.244.0.0')
    expect(await c.egressSource('node2')).toBe(labAddress('node2'))
  })

  it('pod to a service on another node is not masqueraded: the server sees the client pod', async () => {
    await c.ok(['svc', 'expose', `pod/${pod('node2')}`, '--port', '80', '--target-port', '8080'])
    const ip = (await c.json(['svc', 'get', pod('node2')])).spec.clusterIP
    const r = await c.get('node1', `http://${ip}/cgi-bin/whoami`)
    expect(parseWhoami(r.stdout), r.stderr).toEqual({host: pod('node2'), client: c.ips.get('node1')})
    await c.ok(['svc', 'delete', pod('node2')])
  })

  it('with FORWARD policy DROP (as dockerd sets it) pod traffic still flows, thanks to MK8S-FORWARD', async () => {
    await c.setForwardPolicy('DROP')
    await c.allPairsTalk(['node1', 'node3'])
    expect(await c.egressSource('node3')).toBe(labAddress('node3'))
    // without mk8s's jump the same traffic is dropped; joining again repairs it
    expect((await c.onNode('node1', ['iptables', '-w', '-D', 'FORWARD', '-j', 'MK8S-FORWARD'])).code).toBe(0)
    const ping = ['pod', 'exec', pod('node1'), '--', 'ping', '-c1', '-W1', c.ips.get('node3')!]
    expect((await c.run(ping)).code).not.toBe(0)
    await c.ok(['node', 'join', 'node1', '--ssh', `root@${labAddress('node1')}`])
    expect((await c.run(ping)).code).toBe(0)
    await c.setForwardPolicy('ACCEPT')
  })

  it('joining again changes nothing: still exactly one entry per peer, jumps not doubled', async () => {
    await c.ok(['node', 'join', 'node2', '--ssh', `root@${labAddress('node2')}`])
    expect((await c.onNode('node2', ['ip', 'route', 'show', 'dev', 'flannel.1'])).stdout.trim().split('\n')).toHaveLength(2)
    for (const [table, from, chain] of [['filter', 'FORWARD', 'MK8S-FORWARD'], ['nat', 'POSTROUTING', 'MK8S-POSTROUTING']]) {
      const rules = (await c.onNode('node2', ['iptables', '-w', '-t', table, '-S', from])).stdout
      expect(rules.split('\n').filter((l) => l.endsWith(`-j ${chain}`)), rules).toHaveLength(1)
    }
    await c.allPairsTalk(['node1', 'node2'])
  })

  it('a flannel.1 with other settings is recreated by joining again, with its routes', async () => {
    expect((await c.onNode('node2', ['ip', 'link', 'set', 'flannel.1', 'mtu', '1400'])).code).toBe(0)
    await c.ok(['node', 'join', 'node2', '--ssh', `root@${labAddress('node2')}`])
    expect((await c.onNode('node2', ['cat', '/sys/class/net/flannel.1/mtu'])).stdout.trim()).toBe('1450')
    expect((await c.onNode('node2', ['ip', 'route', 'show', 'dev', 'flannel.1'])).stdout.trim().split('\n')).toHaveLength(2)
    await c.allPairsTalk(['node2', 'node3'])
  })

  it('node leave removes every trace of the node on the others, and its device and chains', async () => {
    await c.ok(['pod', 'delete', pod('node3')])
    await c.ok(['node', 'leave', 'node3'])
    for (const n of ['node1', 'node2']) {
      expect((await c.onNode(n, ['ip', 'route', 'show', cidrOf('node3')])).stdout.trim()).toBe('')
      expect((await c.onNode(n, ['ip', 'neigh', 'show', '10.244.2.0', 'dev', 'flannel.1'])).stdout.trim()).toBe('')
      expect((await c.onNode(n, ['bridge', 'fdb', 'show', 'dev', 'flannel.1'])).stdout).not.toContain(vtepMac(cidrOf('node3')))
    }
    expect((await c.onNode('node3', ['ip', 'link', 'show', 'flannel.1'])).code).not.toBe(0)
    expect((await c.onNode('node3', ['iptables', '-w', '-S', 'MK8S-FORWARD'])).code).not.toBe(0)
    expect((await c.onNode('node3', ['iptables', '-w', '-t', 'nat', '-S', 'MK8S-POSTROUTING'])).code).not.toBe(0)
    expect((await c.onNode('node3', ['iptables-save'])).stdout).not.toContain('MK8S')
    // back in: wired again both ways
    await c.ok(['node', 'join', 'node3', '--ssh', `root@${labAddress('node3')}`])
    await c.runPods(['node3'])
    await c.allPairsTalk(['node1', 'node3'])
  })
})

describe('overlay: host-gw', () => {
  const c = new OverlayCluster()
  beforeAll(async () => {
    await c.up(['--backend', 'host-gw'], ['node1', 'node2'])
  })
  afterAll(async () => {
    await c.setForwardPolicy('ACCEPT')
    await c.onNode('node3', ['ip', 'addr', 'del', '192.168.57.13/24', 'dev', 'eth0'])
    await c.down()
  })

  it('a node off the others\' L2 network is refused with exit 2 before anything changes', async () => {
    expect((await c.onNode('node3', ['ip', 'addr', 'add', '192.168.57.13/24', 'dev', 'eth0'])).code).toBe(0)
    const r = await c.run(['node', 'join', 'node3', '--ssh', `root@${labAddress('node3')}`, '--address', '192.168.57.13'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/one L2 network/)
    expect((await c.onNode('node3', ['ip', 'link', 'show', 'cni0'])).code).not.toBe(0)
    expect((await c.json(['node', 'list'])).items).toHaveLength(2)
    await c.onNode('node3', ['ip', 'addr', 'del', '192.168.57.13/24', 'dev', 'eth0'])
    await c.ok(['node', 'join', 'node3', '--ssh', `root@${labAddress('node3')}`])
  })

  it('routes to each peer /24 via its underlay address, no flannel.1, cni0 and pods at the underlay MTU', async () => {
    await c.runPods(LAB_NODES)
    for (const n of LAB_NODES) {
      const routes = (await c.onNode(n, ['ip', 'route', 'show', 'root', '10.244.0.0/16'])).stdout
      for (const p of LAB_NODES.filter((x) => x !== n)) expect(routes).toContain(`${cidrOf(p)} via ${labAddress(p)} dev eth0`)
      expect((await c.onNode(n, ['ip', 'link', 'show', 'flannel.1'])).code).not.toBe(0)
      expect((await c.onNode(n, ['cat', '/sys/class/net/cni0/mtu'])).stdout.trim()).toBe('1500')
      expect(await c.podMtu(n)).toBe('1500')
    }
  })

  it('pods: every ordered pair talks with its own address, 2 MB crosses nodes, egress and node-to-pod, with FORWARD DROP', async () => {
    await c.setForwardPolicy('DROP')
    await c.allPairsTalk(LAB_NODES)
    await c.transfer2MB('node2', 'node1')
    expect(await c.egressSource('node1')).toBe(labAddress('node1'))
    expect(await c.nodeToPod('node3', 'node1')).toBe(labAddress('node3'))
    await c.setForwardPolicy('ACCEPT')
  })

  it('node leave removes its routes on the others and its own', async () => {
    await c.ok(['pod', 'delete', pod('node2')])
    await c.ok(['node', 'leave', 'node2'])
    for (const n of ['node1', 'node3']) expect((await c.onNode(n, ['ip', 'route', 'show', cidrOf('node2')])).stdout.trim()).toBe('')
    expect((await c.onNode('node2', ['ip', 'route', 'show', 'root', '10.244.0.0/16'])).stdout.trim()).toBe('')
    expect((await c.onNode('node2', ['iptables-save'])).stdout).not.toContain('MK8S')
  })
})
