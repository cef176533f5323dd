/**
 * Lab hosts as real hosts come: a sudo user instead of root login (lab up --user NAME), and a
 * firewall of their own on chosen hosts (lab up --firewall node2=ufw --firewall node3=docker).
 * Everything stays inside the lab host: its /etc/passwd, group, shadow, sudoers.d, /home and
 * /etc/ufw are per-host copies bound over the machine's in the host's own mount namespace, so the
 * machine's own users and firewall are never changed.
 */
import {step, type Plan} from '../host/plan.js'
import {InputError} from '../errors.js'
import type {LabNode, LabPaths} from './config.js'

export type LabFirewall = 'ufw' | 'docker'

export interface LabOptions {
  /** the SSH user of every lab host (passwordless sudo; root cannot log in) */
  user?: string
  firewalls?: Record<string, LabFirewall>
}

const USER = /^[a-z_][a-z0-9_-]{0,30}$/

/** --user NAME and --firewall NODE=ufw|docker, checked before anything is made (exit 2). */
export function parseLabOptions(nodes: readonly LabNode[], user: string | undefined, firewall: readonly string[] = []): LabOptions {
  if (user !== undefined && (!USER.test(user) || user === 'root')) {
    throw new InputError(`--user ${JSON.stringify(user)}: expected a user name other than root (lowercase letters, digits, _ and -)`, 'e.g. mk8s lab up --user admin')
  }
  const firewalls: Record<string, LabFirewall> = {}
  for (const f of firewall) {
    const m = /^([a-z0-9-]+)=(ufw|docker)$/.exec(f)
    if (!m) throw new InputError(`--firewall ${JSON.stringify(f)}: expected NODE=ufw or NODE=docker`, 'e.g. mk8s lab up --firewall node2=ufw --firewall node3=docker')
    if (!nodes.some((n) => n.name === m[1])) throw new InputError(`--firewall ${f}: the lab has no host ${m[1]}`, `its hosts: ${nodes.map((n) => n.name).join(', ')}`)
    firewalls[m[1]] = m[2] as LabFirewall
  }
  return {...(user ? {user} : {}), ...(Object.keys(firewalls).length ? {firewalls} : {})}
}

/**
 * The user's files for one host, made on this machine in the host's folder: the machine's
 * passwd, group and shadow plus the user (no password: key login only), a sudoers.d holding
 * the machine's files plus NOPASSWD for the user, and /home/USER/.ssh/authorized_keys.
 */
const USER_FILES = `set -e
d=$1 u=$2 key=$3
uid=$(awk -F: -v u="$u" '$1==u {print $3; f=1} END {if (!f) print ""}' /etc/passwd)
if [ -z "$uid" ]; then uid=$(awk -F: 'BEGIN {m=1999} $3>m && $3<60000 {m=$3} END {print m+1}' /etc/passwd); fi
{ grep -v "^$u:" /etc/passwd; echo "$u:x:$uid:$uid:mk8s lab user:/home/$u:/bin/bash"; } >"$d/passwd"
{ grep -v "^$u:" /etc/group; echo "$u:x:$uid:"; } >"$d/group"
{ grep -v "^$u:" /etc/shadow; echo "$u:*:19000:0:99999:7:::"; } >"$d/shadow"
chmod 644 "$d/passwd" "$d/group"; chmod 640 "$d/shadow"; chgrp shadow "$d/shadow" 2>/dev/null || true
rm -rf "$d/sudoers.d"; mkdir -p "$d/sudoers.d"
[ -d /etc/sudoers.d ] && cp -a /etc/sudoers.d/. "$d/sudoers.d/"
echo "$u ALL=(ALL:ALL) NOPASSWD: ALL" >"$d/sudoers.d/mk8s-lab-$u"
chmod 440 "$d/sudoers.d/mk8s-lab-$u"
mkdir -p "$d/home/$u/.ssh"
cp "$key" "$d/home/$u/.ssh/authorized_keys"
chmod 755 "$d/home"; chmod 700 "$d/home/$u" "$d/home/$u/.ssh"; chmod 600 "$d/home/$u/.ssh/authorized_keys"
chown -R "$uid:$uid" "$d/home/$u"`

/** What the machine makes for a lab host before the host starts (its HOST_SETUP binds them). */
export function labUserFilesPlan(p: LabPaths, n: LabNode, opts: LabOptions): Plan {
  const dir = p.node(n.name)
  const plan: Plan = []
  if (opts.user) plan.push(step(['sh', '-c', USER_FILES, 'sh', dir, opts.user, `${p.key}.pub`]))
  if (opts.firewalls?.[n.name] === 'ufw') {
    plan.push(step(['sh', '-c', 'rm -rf "$1/ufw" && cp -a /etc/ufw "$1/ufw"', 'sh', dir]))
  }
  return plan
}

/**
 * Mounts inside a lab host (its HOST_SETUP runs this): the per-host files when they are there,
 * its own /var/lib/cni (host-local's leases) so that leases never leak between lab hosts, and its
 * own /var/lib/mk8s (the boot script), which survive a lab reboot as a disk does.
 */
export const HOST_BINDS = `mkdir -p "$2/cni" /var/lib/cni && mount --bind "$2/cni" /var/lib/cni
mkdir -p "$2/mk8s" /var/lib/mk8s && mount --bind "$2/mk8s" /var/lib/mk8s
for f in passwd group shadow; do [ -e "$2/$f" ] && mount --bind "$2/$f" "/etc/$f"; done
[ -d "$2/sudoers.d" ] && mount --bind "$2/sudoers.d" /etc/sudoers.d
[ -d "$2/home" ] && mount --bind "$2/home" /home
[ -d "$2/ufw" ] && mount --bind "$2/ufw" /etc/ufw
true`

/** ufw enabled in a lab host as an admin would: default deny incoming, SSH allowed. */
export const UFW_ENABLE = `set -e
ufw --force reset >/dev/null
ufw default deny incoming >/dev/null
ufw default allow outgoing >/dev/null
ufw default deny routed >/dev/null
ufw allow 22/tcp >/dev/null
ufw --force enable >/dev/null
ufw status | grep -q '^Status: active'`

/** What a reboot ends: every process of the host (containers stop, as at power-off), its namespaces. Its folder (its disk) stays. */
export const REBOOT_NOTE = 'every process ended, network namespace made anew, sshd and dockerd started again, then /var/lib/mk8s/boot.sh run as systemd would'

/** Run the boot script inside the host as systemd's unit would: no environment but PATH, from /, its output kept. */
export const RUN_BOOT_SCRIPT = `[ -e /var/lib/mk8s/boot.sh ] || { echo "no boot script"; exit 0; }
cd / && env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash /var/lib/mk8s/boot.sh >"$1/boot.log" 2>&1
rc=$?; echo "boot script exited $rc"; exit $rc`
