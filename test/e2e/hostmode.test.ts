import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parseWhoami, whoamiCommand} from '../../src/lib/lab/workloads.js'
import {TestCluster} from './helpers.js'

/** From the control machine (this process, 192.168.56.1 on the lab bridge). */
/** Retry while the server is still starting (connection refused), a few seconds at most. */
async function getReady(url: string) {
  let r = await get(url)
  for (let i = 0; i < 20 && 'error' in r; i++) {
    await new Promise((res) => setTimeout(res, 250))
    r = await get(url)
  }
  return r
}

async function get(url: string): Promise<{status: number; body: string} | {error: string}> {
  try {
    const r = await fetch(url, {signal: AbortSignal.timeout(4000)})
    return {status: r.status, body: await r.text()}
  } catch (error) {
    return {error: String((error as Error).cause ?? error)}
  }
}

describe('host network, host ports and the none mode (ip driver)', () => {
  const c = new TestCluster()
  beforeAll(async () => {
    await c.up()
  })
  afterAll(async () => {
    await c.down()
  })

  it("a host-network pod answers on its node's address; a second one on the same port is refused", async () => {
    await c.ok(['pod', 'run', 'hostweb', '--image', 'mk8s/busybox', '--host-network', '--node', 'node2', '--port', '8080', '--', ...whoamiCommand(8080)])
    const pod = await c.json(['pod', 'get', 'hostweb'])
    expect(pod.status.podIP).toBe('192.168.56.12')
    const r = await getReady('http://192.168.56.12:8080/cgi-bin/whoami')
    expect('body' in r && parseWhoami(r.body).client, JSON.stringify(r)).toBe('192.168.56.1')
    const again = await c.run(['pod', 'run', 'hostweb2', '--image', 'mk8s/busybox', '--host-network', '--node', 'node2', '--port', '8080', '--', 'sleep', '60'])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/host port 8080\/TCP on node node2 is already taken by pod default\/hostweb/)
    await c.ok(['pod', 'delete', 'hostweb'])
  })

  it('a hostPort answers on the node from the control machine and from the node itself, and stops once deleted', async () => {
    await c.ok(['pod', 'run', 'pub', '--image', 'mk8s/busybox', '--node', 'node1', '--port', '30080:80', '--', ...whoamiCommand(80)])
    const rules = await c.onNode('node1', ['iptables-save', '-t', 'nat'])
    expect(rules.stdout).toMatch(/-A MK8S-HOSTPORTS -p tcp -m tcp --dport 30080 -m comment --comment "default\/pub hostPort 30080\/TCP" -j DNAT --to-destination 10\.244\.0\.\d+:80/)
    const r = await getReady('http://192.168.56.11:30080/cgi-bin/whoami')
    expect('body' in r && parseWhoami(r.body)).toEqual({host: 'pub', client: '192.168.56.1'})
    // rules lost on the node (a reboot, someone's flush): joining it again writes them back
    await c.onNode('node1', ['iptables', '-t', 'nat', '-F', 'MK8S-HOSTPORTS'])
    expect('error' in (await get('http://192.168.56.11:30080/'))).toBe(true)
    await c.ok(['node', 'join', 'node1', '--ssh', 'root@192.168.56.11'])
    const back = await getReady('http://192.168.56.11:30080/cgi-bin/whoami')
    expect('body' in back && parseWhoami(back.body).host, JSON.stringify(back)).toBe('pub')
    const fromNode = await c.onNode('node1', ['wget', '-qO-', 'http://192.168.56.11:30080/cgi-bin/whoami'])
    expect(parseWhoami(fromNode.stdout).host).toBe('pub')
    const taken = await c.run(['pod', 'run', 'pub2', '--image', 'mk8s/busybox', '--node', 'node1', '--port', '30080:80'])
    expect(taken.code).toBe(2)
    const sshd = await c.run(['pod', 'run', 'pub3', '--image', 'mk8s/busybox', '--node', 'node1', '--port', '22:80'])
    expect(sshd.code).toBe(2)
    expect(sshd.stderr).toMatch(/host port 22\/TCP on node node1 is already in use/)
    const dry = await c.run(['pod', 'delete', 'pub', '--dry-run'])
    expect(dry.stdout).toContain('iptables-restore -w --noflush')
    await c.ok(['pod', 'delete', 'pub'])
    expect('error' in (await get('http://192.168.56.11:30080/'))).toBe(true)
    expect((await c.onNode('node1', ['iptables-save', '-t', 'nat'])).stdout).not.toContain('30080')
  })

  it('a none pod has only lo', async () => {
    await c.ok(['pod', 'run', 'alone', '--image', 'mk8s/busybox', '--network', 'none', '--', 'sleep', '600'])
    const links = await c.run(['pod', 'exec', 'alone', '--', 'ip', '-o', 'link'])
    expect(links.stdout.trim().split('\n').map((l) => l.split(':')[1].trim())).toEqual(['lo'])
    expect(links.stdout).toContain('UP')
    expect((await c.json(['pod', 'get', 'alone'])).status.podIP).toBeUndefined()
  })
})

describe('host ports with the cni driver (portmap plugin)', () => {
  const c = new TestCluster()
  beforeAll(async () => {
    await c.up(['--driver', 'cni'], ['node1'])
  })
  afterAll(async () => {
    await c.down()
  })

  it('portmap publishes the port and removes it on delete', async () => {
    await c.ok(['pod', 'run', 'pub', '--image', 'mk8s/busybox', '--node', 'node1', '--port', '30081:80', '--', ...whoamiCommand(80)])
    const r = await getReady('http://192.168.56.11:30081/cgi-bin/whoami')
    expect('body' in r && parseWhoami(r.body).host).toBe('pub')
    expect((await c.onNode('node1', ['iptables-save', '-t', 'nat'])).stdout).toMatch(/CNI-HOSTPORT-DNAT/)
    await c.ok(['pod', 'delete', 'pub'])
    expect((await c.onNode('node1', ['iptables-save', '-t', 'nat'])).stdout).not.toContain('30081')
  })
})
