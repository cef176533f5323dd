import {writeFileStep} from '../host/files.js'
import {step, type Plan} from '../host/plan.js'
import {LAB, type LabNode, type LabPaths} from './config.js'
import {HOST_BINDS, UFW_ENABLE, type LabOptions} from './realhost.js'

/** argv prefix that runs a command inside a lab host's network, mount and UTS namespaces. */
export const inLabHost = (p: LabPaths, n: LabNode, argv: readonly string[]): string[] => [
  'nsenter',
  `--net=/run/netns/${n.netns}`,
  `--mount=${p.nsDir}/${n.name}.mnt`,
  `--uts=${p.nsDir}/${n.name}.uts`,
  '--',
  ...argv,
]

export const sshdConfig = (p: LabPaths, n: LabNode, opts: LabOptions = {}): string =>
  [
    `ListenAddress ${n.address}`,
    `HostKey ${p.node(n.name)}/ssh_host_ed25519_key`,
    // root's key is the lab's own file; a lab user (--user) has it in its home, as on a real host
    opts.user ? 'AuthorizedKeysFile .ssh/authorized_keys' : `AuthorizedKeysFile ${p.authorizedKeys}`,
    'PidFile /run/sshd.pid',
    opts.user ? 'PermitRootLogin no' : 'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PrintMotd no',
    'MaxSessions 64',
    'MaxStartups 64:30:128',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n')

/**
 * Inside the new mount and UTS namespaces of a lab host (entered from its network namespace):
 * its own hostname, sysfs of its network namespace with the cgroup mounts kept, a private /run,
 * its own /var/lib/docker. See shared/notes/lab.md.
 */
const HOST_SETUP = `set -e
hostname "$1"
cg=$(mktemp -d /tmp/mk8s-cg.XXXXXX)
mount --rbind /sys/fs/cgroup "$cg"
mount -t sysfs sysfs /sys
mount --move "$cg" /sys/fs/cgroup
rmdir "$cg"
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/sshd /var/lib/docker
mount --bind "$2/docker" /var/lib/docker
# the host's own resolver is on the underlay (the control machine): nothing a lab host looks up
# ever leaves this machine
mount --bind "$2/resolv.conf" /etc/resolv.conf
mount --bind "$2/hosts" /etc/hosts
${HOST_BINDS}`

// $3: "docker" for a host whose dockerd manages iptables and its docker0 bridge, as Docker's defaults do
const START_DOCKERD = `if [ "\${3:-}" = docker ]; then net="--iptables=true"; else net="--bridge=none --iptables=false --ip-masq=false"; fi
setsid dockerd --host unix:///run/docker.sock $net \\
  --cgroup-parent="/mk8s-$1" --pidfile /run/docker.pid --storage-driver=overlay2 >"$2/dockerd.log" 2>&1 </dev/null &`

const WAIT_DOCKERD = `for i in $(seq 200); do docker -H unix:///run/docker.sock info >/dev/null 2>&1 && exit 0; sleep 0.1; done
echo "dockerd did not start; its log: $1" >&2; tail -5 "$1" >&2; exit 1`

/** A root filesystem holding the machine's static busybox and its applets: the lab's only image. */
const BUILD_ROOTFS = `set -e
r="$1/rootfs"; rm -rf "$r"; mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/etc" "$r/tmp" "$r/root" "$r/var/www" "$r/proc" "$r/sys" "$r/dev"
cp /bin/busybox "$r/bin/busybox"
for a in $("$r/bin/busybox" --list-full); do [ -e "$r/$a" ] || ln -s /bin/busybox "$r/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/:/bin/false\\n' >"$r/etc/passwd"
printf 'root:x:0:\\nnogroup:x:65534:\\n' >"$r/etc/group"
chmod 1777 "$r/tmp"
tar -C "$r" -cf "$1/busybox.tar.tmp" . && mv "$1/busybox.tar.tmp" "$1/busybox.tar"
rm -rf "$r"`

/** The pause container: sleeps until told to stop, as Kubernetes' pause does. */
export const PAUSE_CMD = '["/bin/sh","-c","trap \'exit 0\' TERM INT; while :; do sleep 3600 & wait $!; done"]'

export const KNOWN_HOSTS = `set -e; out="$1"; shift; : >"$out.tmp"
while [ $# -gt 0 ]; do printf '%s %s\\n' "$1" "$(cut -d' ' -f1-2 "$2")" >>"$out.tmp"; shift 2; done
mv "$out.tmp" "$out"`

/** What the machine itself gets once: keys, the underlay bridge, the forward accept, the image. */
export function labRootPlan(p: LabPaths, nodes: readonly LabNode[], opts: LabOptions = {}): Plan {
  const plan: Plan = [
    step(['mkdir', '-p', p.dir, p.nsDir, p.images]),
    step(['chmod', '700', p.dir]),
    // namespace handles live on a private mount, as /run/netns does for ip netns
    step(['mount', '--bind', p.nsDir, p.nsDir], {unless: ['mountpoint', '-q', p.nsDir]}),
    step(['mount', '--make-private', p.nsDir]),
    step(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'mk8s-lab', '-f', p.key], {unless: ['test', '-e', p.key]}),
    step(['cp', `${p.key}.pub`, p.authorizedKeys]),
  ]
  for (const n of nodes) {
    const key = `${p.node(n.name)}/ssh_host_ed25519_key`
    plan.push(step(['mkdir', '-p', `${p.node(n.name)}/docker`]))
    plan.push(step(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', n.name, '-f', key], {unless: ['test', '-e', key]}))
    plan.push(writeFileStep(`${p.node(n.name)}/sshd_config`, sshdConfig(p, n, opts)))
    plan.push(writeFileStep(`${p.node(n.name)}/resolv.conf`, `nameserver ${LAB.gateway}\n`, '644'))
    plan.push(writeFileStep(`${p.node(n.name)}/hosts`, `127.0.0.1 localhost\n${n.address} ${n.name}\n`, '644'))
  }
  plan.push(
    step(['sh', '-c', KNOWN_HOSTS, 'sh', p.knownHosts, ...nodes.flatMap((n) => [n.address, `${p.node(n.name)}/ssh_host_ed25519_key.pub`])]),
    step(['ip', 'link', 'add', LAB.bridge, 'type', 'bridge'], {unless: ['ip', 'link', 'show', LAB.bridge]}),
    step(['ip', 'addr', 'replace', `${LAB.gateway}/${LAB.prefix}`, 'dev', LAB.bridge]),
    step(['ip', 'link', 'set', LAB.bridge, 'up']),
    // a dockerd in this namespace sets FORWARD to DROP and loads br_netfilter: keep lab traffic flowing
    step(['iptables', '-w', '-N', LAB.chain], {unless: ['iptables', '-w', '-S', LAB.chain]}),
    step(['iptables', '-w', '-I', 'FORWARD', '1', '-j', LAB.chain], {unless: ['iptables', '-w', '-C', 'FORWARD', '-j', LAB.chain]}),
    step(['iptables', '-w', '-A', LAB.chain, '-i', LAB.bridge, '-o', LAB.bridge, '-j', 'ACCEPT', '-m', 'comment', '--comment', 'mk8s lab underlay'], {
      unless: ['iptables', '-w', '-C', LAB.chain, '-i', LAB.bridge, '-o', LAB.bridge, '-j', 'ACCEPT', '-m', 'comment', '--comment', 'mk8s lab underlay'],
    }),
    // lab traffic stays on this machine: nothing from the lab is forwarded anywhere else
    step(['iptables', '-w', '-A', LAB.chain, '-i', LAB.bridge, '!', '-o', LAB.bridge, '-j', 'DROP', '-m', 'comment', '--comment', 'mk8s lab stays home'], {
      unless: ['iptables', '-w', '-C', LAB.chain, '-i', LAB.bridge, '!', '-o', LAB.bridge, '-j', 'DROP', '-m', 'comment', '--comment', 'mk8s lab stays home'],
    }),
    step(['sh', '-c', BUILD_ROOTFS, 'sh', p.images], {unless: ['test', '-e', `${p.images}/busybox.tar`]}),
  )
  return plan
}

/** A lab host's eth0 MAC: locally administered, from its address (02:6d:6b:38 then the address's last two bytes). */
export const labMac = (n: LabNode): string => `02:6d:6b:38:${n.address.split('.').slice(2).map((b) => Number(b).toString(16).padStart(2, '0')).join(':')}`

/** sshd runs (a zombie left by a killed lab answers kill -0 too: its state says Z) */
const SSHD_RUNS = 'pid=$(cat /run/sshd.pid 2>/dev/null) && kill -0 "$pid" && ! grep -q "^State:[[:space:]]*Z" "/proc/$pid/status"'

/** One lab host: its namespaces, underlay link, sshd, dockerd and images. Idempotent. */
export function labNodePlan(p: LabPaths, n: LabNode, opts: LabOptions = {}): Plan {
  const dir = p.node(n.name)
  const inHost = (argv: readonly string[]) => inLabHost(p, n, argv)
  const docker = (...args: string[]) => inHost(['docker', '-H', 'unix:///run/docker.sock', ...args])
  return [
    step(['ip', 'netns', 'add', n.netns], {unless: ['test', '-e', `/run/netns/${n.netns}`]}),
    step(['ip', 'link', 'add', n.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns], {unless: ['ip', 'link', 'show', n.netns]}),
    step(['ip', 'link', 'set', n.netns, 'master', LAB.bridge, 'up']),
    // the NIC's own address, the same after a lab reboot as a real NIC's: the machine's ARP entry for the host stays true
    step(['ip', '-n', n.netns, 'link', 'set', 'eth0', 'address', labMac(n)]),
    step(['ip', '-n', n.netns, 'addr', 'replace', `${n.address}/${LAB.prefix}`, 'dev', 'eth0']),
    step(['ip', '-n', n.netns, 'link', 'set', 'lo', 'up']),
    step(['ip', '-n', n.netns, 'link', 'set', 'eth0', 'up']),
    step(['ip', '-n', n.netns, 'route', 'replace', 'default', 'via', LAB.gateway]),
    step(['touch', `${p.nsDir}/${n.name}.mnt`, `${p.nsDir}/${n.name}.uts`], {unless: ['mountpoint', '-q', `${p.nsDir}/${n.name}.mnt`]}),
    step(
      ['nsenter', `--net=/run/netns/${n.netns}`, 'unshare', `--mount=${p.nsDir}/${n.name}.mnt`, `--uts=${p.nsDir}/${n.name}.uts`,
        '--propagation', 'private', 'sh', '-c', HOST_SETUP, 'sh', n.name, dir],
      {unless: ['mountpoint', '-q', `${p.nsDir}/${n.name}.mnt`]},
    ),
    step(inHost(['/usr/sbin/sshd', '-f', `${dir}/sshd_config`]), {unless: inHost(['sh', '-c', SSHD_RUNS])}),
    step(inHost(['sh', '-c', START_DOCKERD, 'sh', n.name, dir, opts.firewalls?.[n.name] ?? '']), {unless: docker('info')}),
    step(inHost(['sh', '-c', WAIT_DOCKERD, 'sh', `${dir}/dockerd.log`])),
    step(docker('import', '-c', 'CMD ["sh"]', `${p.images}/busybox.tar`, 'mk8s/busybox:latest'), {unless: docker('image', 'inspect', 'mk8s/busybox:latest')}),
    step(docker('import', '-c', `CMD ${PAUSE_CMD}`, `${p.images}/busybox.tar`, 'mk8s/pause:latest'), {unless: docker('image', 'inspect', 'mk8s/pause:latest')}),
    ...(opts.firewalls?.[n.name] === 'ufw' ? [step(inHost(['sh', '-c', UFW_ENABLE]), {unless: inHost(['sh', '-c', 'ufw status | grep -q "^Status: active"'])})] : []),
  ]
}

const KILL_NETNS_PIDS = 'pids=$(ip netns pids "$1" 2>/dev/null); [ -z "$pids" ] || kill -9 $pids'
const KILL_CGROUPS = `for d in /sys/fs/cgroup/*/"mk8s-$1" /sys/fs/cgroup/unified/"mk8s-$1"; do
  [ -d "$d" ] || continue
  find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
  find "$d" -depth -type d -exec rmdir {} \\; 2>/dev/null
done; true`
const STOP_DOCKERD = `p=$(cat /run/docker.pid 2>/dev/null) || exit 0
kill "$p" 2>/dev/null || exit 0
for i in $(seq 100); do kill -0 "$p" 2>/dev/null || exit 0; sleep 0.1; done; kill -9 "$p"`

/** Tear one lab host down: containers, daemons, every process in it, its namespaces and folder. */
export function labNodeDownPlan(p: LabPaths, n: LabNode): Plan {
  const inHost = (argv: readonly string[]) => inLabHost(p, n, argv)
  const hasNs = ['mountpoint', '-q', `${p.nsDir}/${n.name}.mnt`]
  return [
    step(inHost(['sh', '-c', 'ids=$(docker -H unix:///run/docker.sock ps -aq); [ -z "$ids" ] || docker -H unix:///run/docker.sock rm -f $ids >/dev/null']), {onlyIf: hasNs, tolerate: true}),
    step(inHost(['sh', '-c', STOP_DOCKERD]), {onlyIf: hasNs, tolerate: true}),
    step(['sh', '-c', KILL_NETNS_PIDS, 'sh', n.netns], {tolerate: true}),
    step(['sh', '-c', KILL_CGROUPS, 'sh', n.name], {tolerate: true}),
    step(['umount', `${p.nsDir}/${n.name}.mnt`], {tolerate: true}),
    step(['umount', `${p.nsDir}/${n.name}.uts`], {tolerate: true}),
    step(['rm', '-f', `${p.nsDir}/${n.name}.mnt`, `${p.nsDir}/${n.name}.uts`]),
    step(['ip', 'netns', 'del', n.netns], {onlyIf: ['test', '-e', `/run/netns/${n.netns}`]}),
    step(['ip', 'link', 'del', n.netns], {tolerate: true}),
    step(['rm', '-rf', p.node(n.name)]),
  ]
}

/** What a reboot does to a lab host before it starts again: its processes and namespaces end; containers stop but stay, its folder stays. */
export function labNodeRebootPlan(p: LabPaths, n: LabNode): Plan {
  return labNodeDownPlan(p, n).filter((s) => !(s.argv.join(' ').includes('docker -H unix:///run/docker.sock rm -f') || (s.argv[0] === 'rm' && s.argv[1] === '-rf')))
}

/** What lab up made on the machine itself, removed after the hosts. */
export function labRootDownPlan(p: LabPaths): Plan {
  return [
    step(['ip', 'link', 'del', LAB.bridge], {onlyIf: ['ip', 'link', 'show', LAB.bridge]}),
    step(['iptables', '-w', '-D', 'FORWARD', '-j', LAB.chain], {onlyIf: ['iptables', '-w', '-C', 'FORWARD', '-j', LAB.chain]}),
    step(['iptables', '-w', '-F', LAB.chain], {onlyIf: ['iptables', '-w', '-S', LAB.chain]}),
    step(['iptables', '-w', '-X', LAB.chain], {onlyIf: ['iptables', '-w', '-S', LAB.chain]}),
    step(['umount', p.nsDir], {onlyIf: ['mountpoint', '-q', p.nsDir]}),
    step(['rm', '-rf', p.dir]),
    // the mount points each host's own /var/lib/mk8s and /var/lib/cni were bound on (HOST_BINDS), if
    // empty: nothing of this machine's is in them (a machine that is a node itself keeps its files)
    ...['/var/lib/mk8s', '/var/lib/cni'].map((d) => step(['rmdir', d], {onlyIf: ['test', '-d', d], tolerate: true})),
  ]
}
