import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {Host} from '../../src/lib/host/host.js'
import {hostKeyProblem, sudoersLine, sudoRefusal, sudoWrap} from '../../src/lib/host/privilege.js'
import {parseSshG, resolveSsh} from '../../src/lib/host/ssh-config.js'
import {resolveTarget, targetFromResolved} from '../../src/lib/node/target.js'
import {TargetSchema} from '../../src/lib/state/schema.js'

const tmp = mkdtempSync(join(tmpdir(), 'mk8s-unit-rh-'))
process.env.MK8S_SSH_DIR = join(tmp, 'ssh')

describe('a sudo user', () => {
  it('wraps the remote command line once in sudo -n, quoted', () => {
    expect(sudoWrap('f=$(mktemp) && cat >"$f"')).toBe(`sudo -n -- sh -c 'f=$(mktemp) && cat >"$f"'`)
    const argv = new Host('web1', {kind: 'ssh', user: 'admin', host: '203.0.113.7', port: 22, sudo: true}).commandFor('ip -br link')
    expect(argv.slice(-3)).toEqual(['admin@203.0.113.7', '--', "sudo -n -- sh -c 'ip -br link'"])
    // what the remote shell runs: sudo's argv is sh -c and the script, byte for byte
    const remote = new Host('web1', {kind: 'ssh', user: 'admin', host: 'h', port: 22, sudo: true}).commandFor(`printf '%s|' "a b" 'c'"'"'d'`).at(-1)!
    expect(execFileSync('sh', ['-c', remote.replace(/^sudo -n -- /, 'env ')], {encoding: 'utf8'})).toBe("a b|c'd|")
  })

  it('a root target is not wrapped', () => {
    const argv = new Host('n1', {kind: 'ssh', user: 'root', host: '192.168.56.11', port: 22}).commandFor('true')
    expect(argv.slice(-3)).toEqual(['root@192.168.56.11', '--', 'true'])
  })

  it("sudo's refusals become exit 2 naming the host and the sudoers line", () => {
    const e = sudoRefusal('web1', 'admin', '203.0.113.7', 'sudo: a password is required\n', 1)!
    expect(e.exitCode).toBe(2)
    expect(e.message).toBe('node web1: admin@203.0.113.7 cannot run commands as root without a password (sudo -n refused: sudo: a password is required)')
    expect(e.hint).toBe("as root on 203.0.113.7, allow it: echo 'admin ALL=(ALL:ALL) NOPASSWD: ALL' > /etc/sudoers.d/mk8s-admin && chmod 440 /etc/sudoers.d/mk8s-admin && visudo -cf /etc/sudoers.d/mk8s-admin")
    expect(sudoRefusal('web1', 'admin', 'h', 'admin is not in the sudoers file.  This incident will be reported.', 1)?.exitCode).toBe(2)
    expect(sudoRefusal('web1', 'admin', 'h', 'bash: line 1: sudo: command not found', 127)?.message).toBe('node web1: sudo is not installed on h (mk8s reaches it as admin, who is not root)')
    expect(sudoRefusal('web1', 'admin', 'h', 'iptables: permission denied', 1)).toBeUndefined()
    expect(sudoersLine('ubuntu')).toBe('ubuntu ALL=(ALL:ALL) NOPASSWD: ALL')
  })

  it('an unknown or changed host key is exit 3 with how to add or renew it', () => {
    const e = hostKeyProblem('web1', '203.0.113.7', 2222, 'No ED25519 host key is known for [203.0.113.7]:2222 and you have requested strict checking.\nHost key verification failed.\n')!
    expect(e.exitCode).toBe(3)
    expect(e.message).toBe('host web1 is unreachable: the host key of [203.0.113.7]:2222 is not known (mk8s checks host keys as ssh does and never accepts an unknown one)')
    expect(e.hint).toBe("check the key's fingerprint with the host's owner, then add it: ssh-keyscan -p 2222 203.0.113.7 >> ~/.ssh/known_hosts (or connect once with ssh and answer yes)")
    expect(hostKeyProblem('n', 'h', 22, '@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@')?.hint).toMatch(/^if the host was reinstalled, .* ssh-keygen -R 'h'/)
    expect(hostKeyProblem('n', 'h', 22, 'Connection refused')).toBeUndefined()
  })
})

describe('the user\'s SSH configuration', () => {
  const cfg = join(tmp, 'ssh_config')
  writeFileSync(cfg, ['Host bastion', '  HostName 198.51.100.1', '  User jump', 'Host web2', '  HostName 10.1.2.3', '  User admin', '  Port 2200', '  ProxyJump bastion', '  IdentityFile /keys/web2', '  ControlMaster auto', '  ControlPath ~/.ssh/cm-%C', ''].join('\n'))

  it('parses ssh -G output', () => {
    expect(parseSshG('user admin\nhostname 10.1.2.3\nport 2200\nproxyjump bastion\nidentityfile /a\nidentityfile /b\ncontrolmaster auto\n')).toEqual({user: 'admin', hostname: '10.1.2.3', port: 2200, proxyJump: 'bastion', identityFiles: ['/a', '/b'], controlMaster: 'auto'})
    expect(parseSshG('user root\nhostname h\nport 22\nproxyjump none\n')).toEqual({user: 'root', hostname: 'h', port: 22, identityFiles: []})
  })

  it('lets the real ssh -G resolve an alias of a given file (no connection made)', async () => {
    const r = await resolveSsh('web2', {sshConfig: cfg})
    expect({user: r.user, hostname: r.hostname, port: r.port, proxyJump: r.proxyJump, ids: r.identityFiles}).toEqual({user: 'admin', hostname: '10.1.2.3', port: 2200, proxyJump: 'bastion', ids: ['/keys/web2']})
    const t = await resolveTarget({ssh: 'web2', sshConfig: cfg})
    expect(t).toEqual({kind: 'ssh', user: 'admin', host: '10.1.2.3', port: 2200, alias: 'web2', sudo: true, sshConfig: cfg})
    // the alias goes to ssh as it is: no -p, no user@ that would override the file's
    const argv = new Host('web2', t).commandFor('true')
    expect(argv.slice(0, 3)).toEqual(['ssh', '-F', cfg])
    expect(argv.slice(-3)).toEqual(['web2', '--', "sudo -n -- sh -c true"])
    expect(argv).not.toContain('-p')
    expect(argv.join(' ')).not.toMatch(/StrictHostKeyChecking=no/)
  })

  it('explicit USER@HOST keeps its user; root is not wrapped unless --sudo; --no-sudo turns it off', () => {
    expect(targetFromResolved({ssh: 'root@10.0.0.5:2222'}, undefined)).toEqual({kind: 'ssh', user: 'root', host: '10.0.0.5', port: 2222})
    expect(targetFromResolved({ssh: 'admin@10.0.0.5'}, undefined)).toEqual({kind: 'ssh', user: 'admin', host: '10.0.0.5', port: 22, sudo: true})
    expect(targetFromResolved({ssh: 'admin@10.0.0.5', sudo: false}, undefined)).toEqual({kind: 'ssh', user: 'admin', host: '10.0.0.5', port: 22})
    expect(targetFromResolved({ssh: 'root@10.0.0.5', sudo: true}, undefined)).toEqual({kind: 'ssh', user: 'root', host: '10.0.0.5', port: 22, sudo: true})
  })

  it('refuses, before any host, a missing file, a bad alias and --local with ssh flags (exit 2)', async () => {
    await expect(resolveTarget({ssh: 'web2', sshConfig: join(tmp, 'nope')})).rejects.toMatchObject({exitCode: 2, message: `--ssh-config ${join(tmp, 'nope')}: no such file`})
    await expect(resolveTarget({ssh: '-oProxyCommand=x'})).rejects.toMatchObject({exitCode: 2})
    await expect(resolveTarget({ssh: 'root@h', identity: join(tmp, 'nokey')})).rejects.toMatchObject({exitCode: 2, message: `--identity ${join(tmp, 'nokey')}: no such file`})
    await expect(resolveTarget({local: true, sudo: true})).rejects.toMatchObject({exitCode: 2})
  })

  it('an alias, a config file or a key gets an SSH master of its own (%C alone would share a direct one and skip ProxyJump)', () => {
    const direct = new Host('n', {kind: 'ssh', user: 'admin', host: '10.1.2.3', port: 22}).commandFor('true')
    const alias = new Host('n', {kind: 'ssh', user: 'admin', host: '10.1.2.3', port: 22, alias: 'web2'}).commandFor('true')
    const cp = (argv: string[]) => argv.find((a) => a.startsWith('ControlPath='))!
    expect(cp(direct)).toBe(`ControlPath=${join(tmp, 'ssh')}/%C`)
    expect(cp(alias)).toMatch(new RegExp(`^ControlPath=${join(tmp, 'ssh')}/%C-[0-9a-f]{8}$`))
  })

  it('an identity file is the only key offered', () => {
    const argv = new Host('n', {kind: 'ssh', user: 'root', host: 'h', port: 22, identity: '/k/id'}).commandFor('true')
    const i = argv.indexOf('-i')
    expect(argv.slice(i, i + 4)).toEqual(['-i', '/k/id', '-o', 'IdentitiesOnly=yes'])
  })

  it('old states (targets without the new fields) still read', () => {
    expect(TargetSchema.parse({kind: 'ssh', user: 'root', host: '192.168.56.11', port: 22})).toEqual({kind: 'ssh', user: 'root', host: '192.168.56.11', port: 22})
  })
})
