import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {vtepMac} from '../../src/lib/overlay/plan.js'
import {LAB_NODES, TestCluster} from './helpers.js'
import {addStandin, delStandin, standinIp, standinName, subnetOf} from './standin.js'

const GET = 'ip netns exec "$1" timeout 10 busybox wget -q -O - "$2"'
/** busybox httpd gives REMOTE_ADDR as [::ffff:a.b.c.d] */
const remoteAddr = (text: string) => text.trim().replace(/^\[::ffff:(.*)\]$/, '$1')
const subnet = subnetOf
const podIp = (n: string) => standinIp(n)
const fakeNs = (n: string) => standinName(n)

async function addFakePods(c: TestCluster, nodes: readonly string[]): Promise<void> {
  for (const n of nodes) await addStandin((node, argv) => c.onNode(node, argv), n)
}
async function delFakePods(c: TestCluster, nodes: readonly string[]): Promise<void> {
  for (const n of nodes) await delStandin((node, argv) => c.onNode(node, argv), n)
}
/** HTTP GET from the stand-in pod on `from`. */
const get = (c: TestCluster, from: string, url: string) => c.onNode(from, ['sh', '-c', GET, 'sh', fakeNs(from), url])

/** Every ordered pair of stand-in pods talks HTTP, and the server sees the client's own address. */
async function allPairsTalk(c: TestCluster, nodes: readonly string[]): Promise<void> {
  for (const a of nodes) {
    for (const b of nodes) {
      if (a === b) continue
      const r = await get(c, a, `http://${podIp(b)}:8080/cgi-bin/ip`)
      expect(remoteAddr(r.stdout), `${a} -> ${b}: ${r.stderr}`).toBe(podIp(a))
    }
  }
}

/** A listener outside the pod network (the lab gateway) that records the source it sees. */
async function egressSource(c: TestCluster, from: string): Promise<string> {
  let seen = ''
  const server: Server = createServer((req, res) => {
    seen = req.socket.remoteAddress ?? ''
    res.end('ok\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '192.168.56.1', resolve))
  try {
    const {port} = server.address() as AddressInfo
    const r = await get(c, from, `http://192.168.56.1:${port}/`)
    expect(r.stdout.trim(), r.stderr).toBe('ok')
    return seen.replace(/^::ffff:/, '')
  } finally {
    server.close()
  }
}

async function setForwardPolicy(c: TestCluster, policy: 'DROP' | 'ACCEPT'): Promise<void> {
  for (const n of LAB_NODES) expect((await c.onNode(n, ['iptables', '-w', '-P', 'FORWARD', policy])).code).toBe(0)
}

describe('overlay: vxlan (flannel.1)', () => {
  const c = new TestCluster()
  beforeAll(async () => {
    await c.up()
    await addFakePods(c, LAB_NODES)
  })
  afterAll(async () => {
    await setForwardPolicy(c, 'ACCEPT')
    await delFakePods(c, LAB_NODES)
    await c.down()
  })

  it('each node has flannel.1 as flannel makes it, and one route, ARP and FDB entry per peer', async () => {
    for (const n of LAB_NODES) {
      const d = JSON.parse((await c.onNode(n, ['ip', '-d', '-j', 'link', 'show', 'flannel.1'])).stdout)[0]
      expect(d.mtu).toBe(1450)
      expect(d.address).toBe(vtepMac(`10.244.${subnet(n)}.0/24`))
      expect(d.linkinfo.info_data).toMatchObject({id: 1, port: 8472, learning: false, local: `192.168.56.${11 + subnet(n)}`})
      expect((await c.onNode(n, ['ip', '-br', 'addr', 'show', 'flannel.1'])).stdout).toContain(`10.244.${subnet(n)}.0/32`)
      expect((await c.onNode(n, ['cat', '/sys/class/net/cni0/mtu'])).stdout.trim()).toBe('1450')
      const peers = LAB_NODES.filter((p) => p !== n)
      const routes = (await c.onNode(n, ['ip', 'route', 'show', 'dev', 'flannel.1'])).stdout.trim().split('\n').map((l) => l.trim())
      expect(routes.sort()).toEqual(peers.map((p) => `10.244.${subnet(p)}.0/24 via 10.244.${subnet(p)}.0 onlink`).sort())
      const neigh = JSON.parse((await c.onNode(n, ['ip', '-j', 'neigh', 'show', 'dev', 'flannel.1'])).stdout)
      expect(neigh.map((e: any) => [e.dst, e.lladdr, e.state]).sort()).toEqual(
        peers.map((p) => [`10.244.${subnet(p)}.0`, vtepMac(`10.244.${subnet(p)}.0/24`), ['PERMANENT']]).sort(),
      )
      const fdb = JSON.parse((await c.onNode(n, ['bridge', '-j', 'fdb', 'show', 'dev', 'flannel.1'])).stdout)
      expect(fdb.map((e: any) => [e.mac, e.dst]).sort()).toEqual(peers.map((p) => [vtepMac(`10.244.${subnet(p)}.0/24`), `192.168.56.${11 + subnet(p)}`]).sort())
    }
  })

  it('a node reaches another node\'s bridge and stand-in pod across flannel.1', async () => {
    const ping = await c.onNode('node1', ['ping', '-c1', '-W2', '10.244.1.1'])
    expect(ping.code, ping.stdout + ping.stderr).toBe(0)
    const r = await c.onNode('node1', ['timeout', '10', 'busybox', 'wget', '-q', '-O', '-', `http://${podIp('node2')}:8080/cgi-bin/ip`])
    expect(remoteAddr(r.stdout), r.stderr).toBe('10.244.0.0')
  })

  it('stand-in pods: every ordered pair talks with its own address; 2 MB crosses nodes; egress is masqueraded', async () => {
    await allPairsTalk(c, LAB_NODES)
    const big = await c.onNode('node1', ['sh', '-c', `${GET} | wc -c`, 'sh', fakeNs('node1'), `http://${podIp('node3')}:8080/big`])
    expect(big.stdout.trim(), big.stderr).toBe(String(2 * 1024 * 1024))
    expect(await egressSource(c, 'node2')).toBe('192.168.56.12')
  })

  it('with FORWARD policy DROP (as dockerd sets it) pod traffic is still forwarded, by MK8S-FORWARD', async () => {
    await setForwardPolicy(c, 'DROP')
    await allPairsTalk(c, ['node1', 'node3'])
    expect(await egressSource(c, 'node3')).toBe('192.168.56.13')
    // without mk8s's jump the same traffic is dropped; joining again repairs it
    expect((await c.onNode('node1', ['iptables', '-w', '-D', 'FORWARD', '-j', 'MK8S-FORWARD'])).code).toBe(0)
    const ping = ['ip', 'netns', 'exec', fakeNs('node1'), 'ping', '-c1', '-W1', podIp('node3')]
    expect((await c.onNode('node1', ping)).code).not.toBe(0)
    await c.ok(['node', 'join', 'node1', '--ssh', 'root@192.168.56.11'])
    expect((await c.onNode('node1', ping)).code).toBe(0)
    await setForwardPolicy(c, 'ACCEPT')
  })

  it('joining again changes nothing: still exactly one entry per peer, jumps not doubled', async () => {
    await c.ok(['node', 'join', 'node2', '--ssh', 'root@192.168.56.12'])
    expect((await c.onNode('node2', ['ip', 'route', 'show', 'dev', 'flannel.1'])).stdout.trim().split('\n')).toHaveLength(2)
    const fwd = (await c.onNode('node2', ['iptables', '-w', '-S', 'FORWARD'])).stdout
    expect(fwd.match(/-j MK8S-FORWARD/g)).toHaveLength(1)
    await allPairsTalk(c, ['node1', 'node2'])
  })

  it('node leave removes every trace of the node on the others, and its device and chains', async () => {
    await delFakePods(c, ['node3'])
    await c.ok(['node', 'leave', 'node3'])
    const mac = vtepMac('10.244.2.0/24')
    for (const n of ['node1', 'node2']) {
      expect((await c.onNode(n, ['ip', 'route', 'show', '10.244.2.0/24'])).stdout.trim()).toBe('')
      expect((await c.onNode(n, ['ip', 'neigh', 'show', '10.244.2.0', 'dev', 'flannel.1'])).stdout.trim()).toBe('')
      expect((await c.onNode(n, ['bridge', 'fdb', 'show', 'dev', 'flannel.1'])).stdout).not.toContain(mac)
    }
    expect((await c.onNode('node3', ['ip', 'link', 'show', 'flannel.1'])).code).not.toBe(0)
    expect((await c.onNode('node3', ['iptables', '-w', '-S', 'MK8S-FORWARD'])).code).not.toBe(0)
    expect((await c.onNode('node3', ['iptables', '-w', '-t', 'nat', '-S', 'MK8S-POSTROUTING'])).code).not.toBe(0)
    expect((await c.onNode('node3', ['iptables', '-w', '-S', 'FORWARD'])).stdout).not.toContain('MK8S')
    // back in: wired again both ways
    await c.ok(['node', 'join', 'node3', '--ssh', 'root@192.168.56.13'])
    await addFakePods(c, ['node3'])
    await allPairsTalk(c, ['node1', 'node3'])
  })
})

describe('overlay: host-gw', () => {
  const c = new TestCluster()
  beforeAll(async () => {
    await c.up(['--backend', 'host-gw'], ['node1', 'node2'])
  })
  afterAll(async () => {
    await setForwardPolicy(c, 'ACCEPT')
    await c.onNode('node3', ['ip', 'addr', 'del', '192.168.57.13/24', 'dev', 'eth0'])
    await delFakePods(c, LAB_NODES)
    await c.down()
  })

  it('a node off the others\' L2 network is refused with exit 2 before anything changes', async () => {
    expect((await c.onNode('node3', ['ip', 'addr', 'add', '192.168.57.13/24', 'dev', 'eth0'])).code).toBe(0)
    const r = await c.run(['node', 'join', 'node3', '--ssh', 'root@192.168.56.13', '--address', '192.168.57.13'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toMatch(/one L2 network/)
    expect((await c.onNode('node3', ['ip', 'link', 'show', 'cni0'])).code).not.toBe(0)
    expect((await c.json(['node', 'list'])).items).toHaveLength(2)
    await c.onNode('node3', ['ip', 'addr', 'del', '192.168.57.13/24', 'dev', 'eth0'])
    await c.ok(['node', 'join', 'node3', '--ssh', 'root@192.168.56.13'])
  })

  it('routes to each peer /24 via its underlay address, no flannel.1, cni0 at the underlay MTU', async () => {
    for (const n of LAB_NODES) {
      const routes = (await c.onNode(n, ['ip', 'route', 'show', 'root', '10.244.0.0/16'])).stdout
      for (const p of LAB_NODES.filter((x) => x !== n)) expect(routes).toContain(`10.244.${subnet(p)}.0/24 via 192.168.56.${11 + subnet(p)} dev eth0`)
      expect((await c.onNode(n, ['ip', 'link', 'show', 'flannel.1'])).code).not.toBe(0)
      expect((await c.onNode(n, ['cat', '/sys/class/net/cni0/mtu'])).stdout.trim()).toBe('1500')
    }
  })

  it('stand-in pods: every ordered pair, 2 MB across nodes, masqueraded egress, also with FORWARD DROP', async () => {
    await addFakePods(c, LAB_NODES)
    await setForwardPolicy(c, 'DROP')
    await allPairsTalk(c, LAB_NODES)
    const big = await c.onNode('node2', ['sh', '-c', `${GET} | wc -c`, 'sh', fakeNs('node2'), `http://${podIp('node1')}:8080/big`])
    expect(big.stdout.trim(), big.stderr).toBe(String(2 * 1024 * 1024))
    expect(await egressSource(c, 'node1')).toBe('192.168.56.11')
    const r = await c.onNode('node3', ['timeout', '10', 'busybox', 'wget', '-q', '-O', '-', `http://${podIp('node1')}:8080/cgi-bin/ip`])
    expect(remoteAddr(r.stdout), r.stderr).toBe('192.168.56.13')
    await setForwardPolicy(c, 'ACCEPT')
  })

  it('node leave removes its routes on the others', async () => {
    await delFakePods(c, ['node2'])
    await c.ok(['node', 'leave', 'node2'])
    for (const n of ['node1', 'node3']) expect((await c.onNode(n, ['ip', 'route', 'show', '10.244.1.0/24'])).stdout.trim()).toBe('')
    expect((await c.onNode('node2', ['ip', 'route', 'show', 'root', '10.244.0.0/16'])).stdout.trim()).toBe('')
    expect((await c.onNode('node2', ['iptables', '-w', '-t', 'nat', '-S', 'POSTROUTING'])).stdout).not.toContain('MK8S')
  })
})
