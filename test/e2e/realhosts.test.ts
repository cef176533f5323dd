import {execa} from 'execa'
import {renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {httpGet} from '../../src/lib/lab/http.js'
import {labPaths} from '../../src/lib/lab/config.js'
import {parseWhoami, whoamiCommand} from '../../src/lib/lab/workloads.js'
import {BOOT_SCRIPT, bootInstallPlan, bootRemovePlan} from '../../src/lib/boot/plan.js'
import {Executor} from '../../src/lib/host/executor.js'
import {Host} from '../../src/lib/host/host.js'
import {step} from '../../src/lib/host/plan.js'
import {shellJoin} from '../../src/lib/host/quote.js'
import {labNode} from '../../src/lib/lab/config.js'
import {labSshTarget} from '../../src/lib/lab/service.js'
import {installLabSshOptions} from '../../src/lib/lab/ssh.js'
import {CLI, labAddress, TestCluster} from './helpers.js'

/**
 * Hosts as they come: the lab remade with a sudo user instead of root login, ufw enabled on
 * node2 and a dockerd with its own iptables rules on node3. The cluster is joined as that user,
 * node2 through an alias of an SSH configuration file (a temporary one: never ~/.ssh/config)
 * with a jump host (node1), node3 through an alias; then pods, services and DNS carry real
 * traffic. The shared lab is remade as the other files expect it afterwards.
 */
const USER = 'mk8s'
const lab = (args: string[]) => execa('node', [CLI, 'lab', ...args], {reject: false, all: true})

describe('real hosts: a sudo user, an SSH config alias with a jump host, ufw, a root dockerd', () => {
  const c = new TestCluster()
  const cfg = join(c.dir, 'ssh_config')
  const p = labPaths()
  const sudoers = join(p.node('node1'), 'sudoers.d', `mk8s-lab-${USER}`)
  /** node1 loses (and gets back) its sudoers line: the file is node1's own copy, bound into it */
  const withoutSudo = async <T>(fn: () => Promise<T>): Promise<T> => {
    renameSync(sudoers, `${sudoers}.off`)
    try {
      return await fn()
    } finally {
      renameSync(`${sudoers}.off`, sudoers)
    }
  }

  beforeAll(async () => {
    const down = await lab(['down'])
    expect(down.exitCode, down.all).toBe(0)
    const up = await lab(['up', '--nodes', '3', '--user', USER, '--firewall', 'node2=ufw', '--firewall', 'node3=docker'])
    expect(up.exitCode, up.all).toBe(0)
    const host = (alias: string, node: string, extra: string[] = []) => [
      `Host ${alias}`, `  HostName ${labAddress(node)}`, `  User ${USER}`, `  IdentityFile ${p.key}`, '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${p.knownHosts}`, '  BatchMode yes', ...extra.map((l) => `  ${l}`),
    ]
    writeFileSync(cfg, [
      ...host('lab-jump', 'node1'),
      ...host('lab-node2', 'node2', ['ProxyJump lab-jump', 'ControlMaster auto', `ControlPath ${c.dir}/user-cm-%C`, 'ControlPersist no']),
      ...host('lab-node3', 'node3'),
      ...host('lab-stranger', 'node3', ['HostKeyAlias mk8s-never-seen']).map((l) => (l === `  User ${USER}` ? '  User stranger' : l)),
      '',
    ].join('\n'))
    await c.ok(['cluster', 'init'])
  })

  afterAll(async () => {
    // the shared lab goes back to what the other files expect, whatever happened here
    try {
      await c.down()
    } finally {
      await lab(['down'])
      const up = await lab(['up', '--nodes', '3'])
      expect(up.exitCode, up.all).toBe(0)
    }
  })

  it('a user without passwordless sudo is refused with exit 2, naming the host and the sudoers line; nothing is joined', async () => {
    const r = await withoutSudo(() => c.run(['node', 'join', 'node1', '--ssh', `${USER}@${labAddress('node1')}`]))
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`node node1: ${USER}@${labAddress('node1')} cannot run commands as root without a password`)
    expect(r.stderr).toContain(`${USER} ALL=(ALL:ALL) NOPASSWD: ALL`)
    expect((await c.json(['node', 'list'])).items).toEqual([])
  })

  it('an unknown host key is exit 3, saying how to add it (never accepted)', async () => {
    const r = await c.run(['node', 'join', 'node3', '--ssh', 'lab-stranger', '--ssh-config', cfg])
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toContain(`the host key of ${labAddress('node3')} is not known`)
    expect(r.stderr).toContain(`ssh-keyscan -p 22 ${labAddress('node3')} >> ~/.ssh/known_hosts`)
  })

  it('joins as the sudo user: node1 as USER@HOST, node2 (ufw) by an alias through the jump host, node3 (root dockerd) by an alias', async () => {
    await c.ok(['node', 'join', 'node1', '--ssh', `${USER}@${labAddress('node1')}`])
    const j2 = await c.run(['node', 'join', 'node2', '--ssh', 'lab-node2', '--ssh-config', cfg])
    expect(j2.code, j2.stderr).toBe(0)
    expect(j2.stderr).toContain("node node2: ufw: ufw's default deny (incoming) drops VXLAN from the other nodes")
    const j3 = await c.run(['node', 'join', 'node3', '--ssh', 'lab-node3', '--ssh-config', cfg])
    expect(j3.code, j3.stderr).toBe(0)
    expect(j3.stderr).toContain('node node3: docker: a dockerd with --iptables=true')
    const nodes = (await c.json(['node', 'list'])).items
    expect(nodes.map((n: any) => [n.metadata.name, n.metadata.annotations['mk8s.io/target']])).toEqual([
      ['node1', `${USER}@${labAddress('node1')}`], ['node2', 'lab-node2'], ['node3', 'lab-node3'],
    ])
    // the scripts run as root through sudo, the login is the user's
    for (const n of ['node1', 'node2', 'node3']) expect((await c.ok(['node', 'exec', n, '--', 'sh', '-c', 'echo "$(id -u) $SUDO_USER"'])).trim()).toBe(`0 ${USER}`)
    // node2's sshd sees mk8s's connection coming from the jump host node1 (the alias has a master of its own)
    const peers = await c.ok(['node', 'exec', 'node2', '--', 'ss', '-Htn', 'state', 'established', '( sport = :22 )'])
    expect(peers).toContain(`${labAddress('node1')}:`)
  })

  it('pods on every node answer across nodes, through services and cluster DNS, from a ufw host and a root-dockerd host', async () => {
    await c.ok(['pod', 'run', 'web2', '--image', 'mk8s/busybox', '--node', 'node2', '-l', 'app=web2', '--', ...whoamiCommand(80)])
    await c.ok(['pod', 'run', 'web3', '--image', 'mk8s/busybox', '--node', 'node3', '-l', 'app=web3', '--', ...whoamiCommand(80)])
    await c.ok(['pod', 'run', 'client1', '--image', 'mk8s/busybox', '--node', 'node1', '--', 'sleep', '3600'])
    await c.ok(['pod', 'run', 'client2', '--image', 'mk8s/busybox', '--node', 'node2', '--', 'sleep', '3600'])
    await c.ok(['svc', 'expose', 'pod/web2', '--port', '80', '--type', 'NodePort'])
    await c.ok(['svc', 'expose', 'pod/web3', '--port', '80'])
    const get = async (pod: string, url: string) => parseWhoami(await c.ok(['pod', 'exec', pod, '--', 'timeout', '10', 'wget', '-qO-', url]))
    const ip = async (pod: string) => (await c.json(['pod', 'get', pod])).status.podIP as string
    // pod to pod across nodes, each way, with the client's own address arriving
    expect(await get('client1', `http://${await ip('web2')}/cgi-bin/whoami`)).toEqual({host: 'web2', client: await ip('client1')})
    expect(await get('client2', `http://${await ip('web3')}/cgi-bin/whoami`)).toEqual({host: 'web3', client: await ip('client2')})
    // through the services, by name: the DNS query from client2 goes to node2's dnsmasq through ufw's INPUT
    expect((await get('client1', 'http://web2/cgi-bin/whoami')).host).toBe('web2')
    expect((await get('client2', 'http://web3.default.svc.cluster.local/cgi-bin/whoami')).host).toBe('web3')
    // the NodePort of the ufw host, from this machine
    const svc = await c.json(['svc', 'get', 'web2'])
    const a = await httpGet(`http://${labAddress('node2')}:${svc.spec.ports[0].nodePort}/cgi-bin/whoami`, {host: 'web2', timeoutMs: 10_000})
    expect(parseWhoami(a.body).host).toBe('web2')
  })

  it("mk8s's chains come first and the firewalls keep theirs; doctor says what each does and finds nothing wrong", async () => {
    const input = (await c.ok(['node', 'exec', 'node2', '--', 'iptables', '-w', '-S', 'INPUT'])).split('\n')
    expect(input[0]).toBe('-P INPUT DROP')
    expect(input[1]).toBe('-A INPUT -j MK8S-INPUT')
    expect(input).toContain('-A INPUT -j ufw-before-input')
    expect(await c.ok(['node', 'exec', 'node2', '--', 'ufw', 'status'])).toMatch(/^Status: active/)
    const fwd = (await c.ok(['node', 'exec', 'node3', '--', 'iptables', '-w', '-S', 'FORWARD'])).split('\n')
    expect(fwd[0]).toBe('-P FORWARD DROP')
    expect(fwd).toContain('-A FORWARD -j DOCKER-USER')
    expect(fwd).toContain('-A FORWARD -j MK8S-FORWARD')
    const report = await c.json(['doctor'])
    const ids = report.findings.map((f: any) => `${f.id} ${f.node}`)
    expect(ids).toContain('firewall-ufw node2')
    expect(ids).toContain('firewall-docker node3')
    expect(ids).not.toContain('firewall-ufw node1')
    expect(report.findings.filter((f: any) => f.severity === 'error')).toEqual([])
  })

  it('doctor --fix puts MK8S-INPUT back when it is gone under ufw; doctor names a user whose sudo stopped working', async () => {
    await c.ok(['node', 'exec', 'node2', '--', 'iptables', '-w', '-D', 'INPUT', '-j', 'MK8S-INPUT'])
    const broken = JSON.parse((await c.run(['doctor', '-o', 'json'])).stdout) // exit 1: it finds errors
    expect(broken.findings.filter((f: any) => f.id === 'vxlan-port-blocked' && f.node === 'node2').length).toBe(2)
    const fixed = await c.run(['doctor', '--fix', '-o', 'json'])
    expect(JSON.parse(fixed.stdout).fixed).toContain('vxlan-port-blocked node2 udp/8472')
    expect((await c.ok(['node', 'exec', 'node2', '--', 'iptables', '-w', '-S', 'INPUT'])).split('\n')[1]).toBe('-A INPUT -j MK8S-INPUT')
    const ip3 = (await c.json(['pod', 'get', 'web3'])).status.podIP
    expect(parseWhoami(await c.ok(['pod', 'exec', 'client2', '--', 'timeout', '10', 'wget', '-qO-', `http://${ip3}/cgi-bin/whoami`])).host).toBe('web3')
    const r = await withoutSudo(() => c.run(['doctor', '-o', 'json']))
    const sudo = JSON.parse(r.stdout).findings.find((f: any) => f.id === 'sudo-refused')
    expect(sudo?.node).toBe('node1')
  })

  it('each lab host has its own /var/lib/cni; doctor finds a lease whose container is gone and --fix releases it', async () => {
    const lease = '/var/lib/cni/networks/mk8s/10.244.2.200'
    await c.ok(['node', 'exec', 'node3', '--', 'sh', '-c', `mkdir -p "\${1%/*}" && printf '%s\\r\\neth0\\r\\n' ${'d'.repeat(64)} >"$1"`, 'sh', lease])
    expect((await c.run(['node', 'exec', 'node1', '--', 'test', '-e', lease])).code).toBe(1)
    const found = JSON.parse((await c.run(['doctor', '-o', 'json'])).stdout).findings.filter((f: any) => f.id === 'cni-lease-stale') // exit 1: a warning
    expect(found.map((f: any) => [f.node, f.object])).toEqual([['node3', lease]])
    const fixed = JSON.parse((await c.run(['doctor', '--fix', '-o', 'json'])).stdout)
    expect(fixed.fixed).toContain(`cni-lease-stale node3 ${lease}`)
    expect((await c.run(['node', 'exec', 'node3', '--', 'test', '-e', lease])).code).toBe(1)
  })

  it("cluster reset removes mk8s's chains and leaves ufw's and Docker's", async () => {
    await c.ok(['cluster', 'reset', '--force'])
    const ssh = (n: string, cmd: string) => execa('ssh', ['-F', cfg, n === 'node2' ? 'lab-node2' : 'lab-node3', '--', shellJoin(['sudo', '-n', 'sh', '-c', cmd])], {reject: false})
    const n2 = await ssh('node2', 'iptables -w -S INPUT; ufw status')
    expect(n2.stdout).not.toContain('MK8S-INPUT')
    expect(n2.stdout).toContain('-A INPUT -j ufw-before-input')
    expect(n2.stdout).toContain('Status: active')
    const n3 = await ssh('node3', 'iptables -w -S FORWARD')
    expect(n3.stdout).not.toContain('MK8S-')
    expect(n3.stdout).toContain('-A FORWARD -j DOCKER-USER')
    await c.ok(['cluster', 'init']) // for afterAll's reset
  })

  it('lab reboot ends every process of the host, makes its network anew, starts sshd and dockerd, then runs its boot script', async () => {
    installLabSshOptions()
    const host = new Host('node3', labSshTarget(labNode(3), USER))
    await new Executor().apply(host, bootInstallPlan({base: 'ip link add mk8s-bootprobe type bridge\nip link set mk8s-bootprobe up\n'}, ['base']))
    expect((await host.run(['ip', 'link', 'add', 'mk8s-prereboot', 'type', 'bridge'])).code).toBe(0)
    const r = await execa('node', [CLI, 'lab', 'reboot', 'node3', '-o', 'json'], {reject: false})
    expect(r.exitCode, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({name: 'node3', boot: 'boot script exited 0'})
    const after = await host.run(['sh', '-c', 'ip link show mk8s-prereboot 2>&1 | head -1; ip -o link show mk8s-bootprobe; ip link show cni0 2>&1 | head -1; ls /etc/systemd/system/mk8s-boot.service 2>&1'])
    const [old, probe, cni0, unit] = after.stdout.trim().split('\n')
    expect(old).toContain('does not exist') // the network namespace is a new one
    // made and set up by the boot script (a bridge without ports has no carrier: its state is UNKNOWN, its flags say UP)
    expect(probe).toMatch(/mk8s-bootprobe: <[A-Z_,-]*\bUP\b/)
    expect(cni0).toContain('does not exist')
    expect(unit).toContain('No such file') // a lab host has no systemd: the script runs, no unit is written
    await new Executor().apply(host, [...bootRemovePlan(), step(['ip', 'link', 'del', 'mk8s-bootprobe'])])
    expect((await host.run(['test', '-e', BOOT_SCRIPT])).code).toBe(1)
  })
})
