import {describe, expect, it} from 'vitest'
import {spawnSync} from 'node:child_process'
import {bootInstallPlan, bootRemovePlan, bootUnit, bootUpdatePlan} from '../../src/lib/boot/plan.js'
import {hostValue, renderBootBody, renderPlan, step} from '../../src/lib/host/plan.js'
import {labNode, labPaths} from '../../src/lib/lab/config.js'
import {labNodeDownPlan, labNodeRebootPlan, sshdConfig} from '../../src/lib/lab/plan.js'
import {parseLabOptions} from '../../src/lib/lab/realhost.js'
import {parseLeases, staleLeaseFindings} from '../../src/lib/pod/leases.js'

describe('the boot script and its unit', () => {
  it('installs the script, its parts afresh and, where the host has systemd, an enabled oneshot unit (golden)', () => {
    const W = `sh -c 'mkdir -p "$(dirname "$1")" && umask 077 && t="$1.$$.tmp" && cat >"$t" && chmod "$2" "$t" && mv -f "$t" "$1"'`
    const F = `sh -c 'mkdir -p "$1" && cd "$1" || exit 1
shift
[ $# -eq 0 ] || rm -f -- "$@"
umask 077
awk '"'"'/^@@ / { if (f != "") close(f); f = $2; printf "" > f; next } f != "" { print > f }'"'"''`
    expect(renderPlan(bootInstallPlan({base: 'ip link add cni0 type bridge\n', dns: 'D\n'}, ['base', 'pods', 'dns']))).toBe(`rm -rf /var/lib/mk8s/boot.d
{ ${F} sh /var/lib/mk8s/boot.d; } <<'MK8S_EOF_0'
@@ base.sh
ip link add cni0 type bridge
@@ dns.sh
D
MK8S_EOF_0
{ ${W} sh /var/lib/mk8s/boot.sh 700; } <<'MK8S_EOF_0'
#!/bin/bash
# written by mk8s; run at boot by mk8s-boot.service: brings this node back as mk8s last programmed it
# one part per area in /var/lib/mk8s/boot.d, rewritten by every change to it, in the order mk8s programs them
cd /var/lib/mk8s/boot.d || exit 1
rc=0
for part in base pods dns; do
  [ -e "$part.sh" ] || continue
  echo "mk8s boot: $part"
  bash "$part.sh" || rc=1
done
exit "$rc"
MK8S_EOF_0
{ ! test -d /run/systemd/system </dev/null >/dev/null 2>&1 || ${W} sh /etc/systemd/system/mk8s-boot.service 644; } <<'MK8S_EOF_0'
${bootUnit()}MK8S_EOF_0
! test -d /run/systemd/system </dev/null >/dev/null 2>&1 || systemctl daemon-reload
! test -d /run/systemd/system </dev/null >/dev/null 2>&1 || systemctl enable mk8s-boot.service`)
    expect(bootUnit()).toContain('ExecStart=/bin/bash /var/lib/mk8s/boot.sh\n')
    expect(bootUnit()).toContain('After=network-online.target docker.service\n')
  })

  it('a change rewrites only the parts it changed, and removes those it emptied', () => {
    expect(bootUpdatePlan({}, [])).toEqual([])
    const [one] = bootUpdatePlan({pods: 'P\n'}, ['netns'])
    expect(one.argv.slice(-3)).toEqual(['sh', '/var/lib/mk8s/boot.d', 'netns.sh'])
    expect(one.stdin).toBe('@@ pods.sh\nP\n')
  })

  it('removes the unit (disabled first), the script and its parts', () => {
    expect(renderPlan(bootRemovePlan())).toBe(`! test -e /etc/systemd/system/mk8s-boot.service </dev/null >/dev/null 2>&1 || systemctl disable mk8s-boot.service 2>/dev/null || true
rm -f /etc/systemd/system/mk8s-boot.service
! test -d /run/systemd/system </dev/null >/dev/null 2>&1 || systemctl daemon-reload
rm -rf /var/lib/mk8s/boot.sh /var/lib/mk8s/boot.d`)
  })

  it('a part runs every step: a failing one is named on stderr, the next ones still run, and the part exits 1', () => {
    const body = renderBootBody([step(['sh', '-c', 'exit 3']), step(['echo', 'after']), step(['false'], {tolerate: true}), step(['sh', '-c', 'echo x', 'sh', 'arg1'], {bind: 'V'}), step(['echo', hostValue('V')])])
    const r = spawnSync('bash', ['-c', body], {encoding: 'utf8'})
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('after\nx\n')
    expect(r.stderr).toBe('mk8s boot: failed (exit 3): sh -c …\n')
  })
})

describe('lab hosts as real hosts come', () => {
  const nodes = [labNode(1), labNode(2), labNode(3)]
  it('--user and --firewall are checked before anything is made', () => {
    expect(parseLabOptions(nodes, 'admin', ['node2=ufw', 'node3=docker'])).toEqual({user: 'admin', firewalls: {node2: 'ufw', node3: 'docker'}})
    expect(parseLabOptions(nodes, undefined, [])).toEqual({})
    expect(() => parseLabOptions(nodes, 'root')).toThrow(/expected a user name other than root/)
    expect(() => parseLabOptions(nodes, 'a b')).toThrow(/--user "a b"/)
    expect(() => parseLabOptions(nodes, undefined, ['node9=ufw'])).toThrow('--firewall node9=ufw: the lab has no host node9')
    expect(() => parseLabOptions(nodes, undefined, ['node2=firewalld'])).toThrow('--firewall "node2=firewalld": expected NODE=ufw or NODE=docker')
  })

  it('a lab user logs in with its own authorized_keys; root cannot log in', () => {
    const p = labPaths('/tmp/lab')
    expect(sshdConfig(p, labNode(1), {user: 'admin'})).toContain('AuthorizedKeysFile .ssh/authorized_keys\nPidFile /run/sshd.pid\nPermitRootLogin no\n')
    expect(sshdConfig(p, labNode(1))).toContain('AuthorizedKeysFile /tmp/lab/authorized_keys\nPidFile /run/sshd.pid\nPermitRootLogin prohibit-password\n')
  })

  it('a reboot ends processes and namespaces like lab down, but keeps the containers and the host folder', () => {
    const p = labPaths('/tmp/lab')
    const down = renderPlan(labNodeDownPlan(p, labNode(2))).split('\n')
    const reboot = renderPlan(labNodeRebootPlan(p, labNode(2))).split('\n')
    expect(down.filter((l) => !reboot.includes(l))).toEqual([
      down[0],
      'rm -rf /tmp/lab/nodes/node2',
    ])
    expect(down[0]).toContain('docker -H unix:///run/docker.sock rm -f $ids')
    expect(reboot).toContain('ip netns del mk8s-node2'.replace(/^/, '! test -e /run/netns/mk8s-node2 </dev/null >/dev/null 2>&1 || '))
  })
})

describe("host-local's stale leases", () => {
  const A = 'a'.repeat(64)
  const B = 'b'.repeat(64)
  const C = 'c'.repeat(64)
  const raw = new Map([['node2', new Map([['cni-leases', {output: `10.244.1.2 ${A}\n10.244.1.3 ${B}\n10.244.1.4 ${C}\ngarbage\n`, code: 0}]])]])
  const container = (id: string, running: boolean) => ({id, name: id.slice(0, 4), running, status: running ? 'running' : 'exited', exitCode: 0, pid: running ? 42 : 0, labels: {}})

  it('reads the lease files, and judges only with Docker\'s answer', () => {
    expect(parseLeases(`10.244.1.2 ${A}\nlock x\n`)).toEqual([{ip: '10.244.1.2', container: A}])
    expect(staleLeaseFindings(raw, new Map([['node2', {error: 'no socket', containers: [], networks: []}]]))).toEqual([])
  })

  it('a lease of a container that is gone or stopped is stale; --fix releases that file only while it names that container', () => {
    const f = staleLeaseFindings(raw, new Map([['node2', {containers: [container(A, true), container(B, false)], networks: []}]]))
    expect(f.map((x) => [x.id, x.object, x.evidence, x.safe])).toEqual([
      ['cni-lease-stale', '/var/lib/cni/networks/mk8s/10.244.1.3', `host-local holds 10.244.1.3 for container bbbbbbbbbbbb, which is exited: a new pod given 10.244.1.3 would fail`, true],
      ['cni-lease-stale', '/var/lib/cni/networks/mk8s/10.244.1.4', `host-local holds 10.244.1.4 for container cccccccccccc, which no longer exists: a new pod given 10.244.1.4 would fail`, true],
    ])
    expect(renderPlan(f[1].plan!)).toBe(`! grep -q '^${C}' /var/lib/cni/networks/mk8s/10.244.1.4 </dev/null >/dev/null 2>&1 || rm -f /var/lib/cni/networks/mk8s/10.244.1.4`)
  })
})
