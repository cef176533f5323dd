import {existsSync, readFileSync} from 'node:fs'
import {labPaths} from '../../src/lib/lab/config.js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parseWhoami, whoamiCommand} from '../../src/lib/lab/workloads.js'
import {TestCluster, labAddress} from './helpers.js'

/**
 * node repair: a node whose networking was wiped (as after a reboot: no flannel.1, no cni0, empty
 * tables, forwarding off, no containers) is programmed wholly from the state by one command, and
 * every pod, service and cross-node path works again, on the same addresses.
 */
describe('node repair brings a wiped node back', () => {
  const c = new TestCluster()
  const ips = new Map<string, string>()
  const whoami = (from: string, url: string) => c.run(['pod', 'exec', from, '--', 'sh', '-c', 'timeout 10 wget -q -O - "$0"', url])

  beforeAll(async () => {
    await c.up()
    for (const [name, node] of [['web2', 'node2'], ['web3', 'node3'], ['client', 'node1']]) {
      await c.ok(['pod', 'run', name, '--image', 'mk8s/busybox', '--node', node, '-l', `app=${name}`, '--port', '8080', '--', ...whoamiCommand(8080)])
      ips.set(name, (await c.json(['pod', 'get', name])).status.podIP)
    }
    await c.ok(['svc', 'expose', 'pod/web2', '--port', '80', '--target-port', '8080', '--type', 'NodePort', '--node-port', '30082'])
  })
  afterAll(() => c.down())

  it('before the wipe: the client reaches web2 by address, name and NodePort', async () => {
    expect(parseWhoami((await whoami('client', `http://web2/cgi-bin/whoami`)).stdout).host).toBe('web2')
  })

  it('lab reboot node2: with no mk8s command, every pod on it answers again on its old address, across nodes and through its service', async () => {
    const before = (await c.onNode('node2', ['docker', 'inspect', '--format', '{{.State.Pid}}', 'k8s_POD_web2_default'])).stdout.trim()
    const r = await c.run(['lab', 'reboot', 'node2', '-o', 'json'])
    const log = existsSync(`${labPaths().node('node2')}/boot.log`) ? readFileSync(`${labPaths().node('node2')}/boot.log`, 'utf8') : 'no boot.log'
    expect(r.code, `${r.stderr}\n${log}`).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({name: 'node2', boot: 'boot script exited 0'})
    // its pause container is the same one, started again (a new process) by the boot script
    expect((await c.onNode('node2', ['docker', 'inspect', '--format', '{{.State.Pid}}', 'k8s_POD_web2_default'])).stdout.trim()).not.toBe(before)
    expect((await c.json(['pod', 'get', 'web2'])).status.podIP).toBe(ips.get('web2'))
    // by address across the overlay, both ways, the server seeing the client's own address
    expect(parseWhoami((await whoami('client', `http://${ips.get('web2')}:8080/cgi-bin/whoami`)).stdout)).toEqual({host: 'web2', client: ips.get('client')})
    expect(parseWhoami((await whoami('web2', `http://${ips.get('web3')}:8080/cgi-bin/whoami`)).stdout)).toEqual({host: 'web3', client: ips.get('web2')})
    // through its service: by name from node1, the NodePort on node2 itself (node2's rules, restored from its disk)
    expect(parseWhoami((await whoami('client', 'http://web2/cgi-bin/whoami')).stdout).host).toBe('web2')
    expect(parseWhoami((await whoami('web3', `http://${labAddress('node2')}:30082/cgi-bin/whoami`)).stdout).host).toBe('web2')
    // node2's own cluster DNS, started again from the records on its disk, and its ClusterIP rules (from the node itself)
    expect((await c.run(['pod', 'exec', 'web2', '--', 'nslookup', 'web2.default.svc.cluster.local'])).stdout).toMatch(/Address:? .*10\.96\./)
    const clusterIP = (await c.json(['svc', 'get', 'web2'])).spec.clusterIP
    expect(parseWhoami((await c.onNode('node2', ['curl', '-s', '-m', '10', `http://${clusterIP}/cgi-bin/whoami`])).stdout).host).toBe('web2')
    // and what mk8s finds on the hosts is what the state says: nothing to repair
    const doctor = await c.run(['doctor', '-o', 'json'])
    const findings = (JSON.parse(doctor.stdout) as {findings: Array<{id: string; node?: string; severity: string}>}).findings.filter((f) => f.severity !== 'info')
    expect(findings.map((f) => `${f.node}:${f.id}`)).toEqual([])
    expect((await c.json(['node', 'repair', 'node2'])).restarted).toEqual([])
  })

  it('wiped, node2 carries nothing; one node repair and every path works again with the same addresses', async () => {
    const wipe = 'docker rm -f $(docker ps -aq) >/dev/null 2>&1; ip link del flannel.1; ip link del cni0; iptables -t nat -F; iptables -t filter -F; sysctl -qw net.ipv4.ip_forward=0; true'
    expect((await c.onNode('node2', ['sh', '-c', wipe])).code).toBe(0)
    const broken = await whoami('client', `http://${ips.get('web2')}:8080/cgi-bin/whoami`)
    expect(parseWhoami(broken.stdout)).toEqual({})

    // --dry-run shows the whole script and changes nothing
    const saved = readFileSync(c.state)
    const dry = await c.ok(['node', 'repair', 'node2', '--dry-run'])
    expect(dry).toMatch(/# node2 \(root@192\.168\.56\.12\)/)
    expect(dry).toMatch(/ip link add cni0 type bridge/)
    expect(dry).toMatch(/docker run -d --name k8s_POD_web2_default/)
    expect(readFileSync(c.state).equals(saved)).toBe(true)
    expect((await c.onNode('node2', ['ip', 'link', 'show', 'cni0'])).code).not.toBe(0)

    const r = await c.json(['node', 'repair', 'node2'])
    expect(r.restarted).toEqual(['default/web2'])
    expect((await c.json(['pod', 'get', 'web2'])).status.podIP).toBe(ips.get('web2'))
    expect((await c.onNode('node2', ['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1')

    // by address across the overlay, both ways, and the server sees the client's own address
    expect(parseWhoami((await whoami('client', `http://${ips.get('web2')}:8080/cgi-bin/whoami`)).stdout)).toEqual({host: 'web2', client: ips.get('client')})
    expect(parseWhoami((await whoami('web2', `http://${ips.get('web3')}:8080/cgi-bin/whoami`)).stdout)).toEqual({host: 'web3', client: ips.get('web2')})
    // through the service: its DNS name (dnsmasq on node1), and the NodePort on node2 itself
    expect(parseWhoami((await whoami('client', 'http://web2/cgi-bin/whoami')).stdout).host).toBe('web2')
    expect(parseWhoami((await whoami('web3', `http://${labAddress('node2')}:30082/cgi-bin/whoami`)).stdout).host).toBe('web2')
    // and from node2's own pod, its cluster DNS
    expect((await c.run(['pod', 'exec', 'web2', '--', 'nslookup', 'web2.default.svc.cluster.local'])).stdout).toMatch(/Address:? .*10\.96\./)
    // a second repair finds nothing gone
    expect((await c.json(['node', 'repair', 'node2'])).restarted).toEqual([])
  })

  it('node leave takes the boot script, its parts and what they restore from off the node', async () => {
    const files = ['/var/lib/mk8s/boot.sh', '/var/lib/mk8s/boot.d', '/var/lib/mk8s/services', '/var/lib/mk8s/dns', '/var/lib/mk8s/netpol.nft']
    const ls = async () => (await c.onNode('node3', ['sh', '-c', 'for f in "$@"; do [ -e "$f" ] && echo "$f"; done; true', 'sh', ...files])).stdout.trim().split('\n').filter(Boolean)
    expect(await ls()).toEqual(files)
    await c.ok(['node', 'leave', 'node3', '--force'])
    expect(await ls()).toEqual([])
  })
})
