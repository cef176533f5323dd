/**
 * How `node join` reaches a host, from its flags: --local, or --ssh USER@HOST[:PORT] or an alias
 * of the SSH configuration (--ssh-config FILE instead of ~/.ssh/config), --identity FILE, and
 * --sudo (on by itself when the user is not root). Only this machine's ssh is asked (ssh -G);
 * no host is touched here, so every refusal is exit 2.
 */
import {InputError} from '../errors.js'
import {parseSshTarget, type Target} from '../host/host.js'
import {existingFile, resolveSsh, type ResolvedSsh} from '../host/ssh-config.js'

export interface TargetOptions {
  ssh?: string
  local?: boolean
  sshConfig?: string
  identity?: string
  /** undefined: sudo when the user is not root */
  sudo?: boolean
}

/** A Host pattern word of ssh_config: what an alias may be (no user, no port, no option). */
const ALIAS = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/** The target from the flags and what ssh -G resolved for an alias (pure: the resolution is given). */
export function targetFromResolved(opts: TargetOptions, resolved: ResolvedSsh | undefined): Target {
  const sshConfig = opts.sshConfig ? existingFile('--ssh-config', opts.sshConfig) : undefined
  const identity = opts.identity ? existingFile('--identity', opts.identity) : undefined
  const extra = {...(sshConfig ? {sshConfig} : {}), ...(identity ? {identity} : {})}
  const spec = opts.ssh!
  if (!spec.includes('@') && !/:\d+$/.test(spec) && resolved) {
    const sudo = opts.sudo ?? resolved.user !== 'root'
    return {kind: 'ssh', user: resolved.user, host: resolved.hostname, port: resolved.port, alias: spec, ...(sudo ? {sudo} : {}), ...extra}
  }
  const t = parseSshTarget(spec)
  if (!t || t.kind !== 'ssh') throw new InputError(`invalid --ssh ${JSON.stringify(spec)}: expected USER@HOST[:PORT] or a Host of your SSH configuration`, 'e.g. --ssh root@192.168.56.11, --ssh admin@node1.example:2222 or --ssh web1 (a Host in ~/.ssh/config)')
  const sudo = opts.sudo ?? t.user !== 'root'
  return {...t, ...(sudo ? {sudo} : {}), ...extra}
}

/** The target for node join: --local, USER@HOST[:PORT], or an alias resolved by ssh -G. */
export async function resolveTarget(opts: TargetOptions): Promise<Target> {
  if (opts.local && opts.ssh) throw new InputError('give either --ssh or --local, not both')
  if (opts.local) {
    if (opts.sshConfig || opts.identity || opts.sudo) throw new InputError('--ssh-config, --identity and --sudo go with --ssh, not --local', 'run mk8s itself as root for a --local node')
    return {kind: 'local'}
  }
  if (!opts.ssh) throw new InputError('say how to reach the node: --ssh USER@HOST[:PORT], --ssh ALIAS (a Host of ~/.ssh/config) or --local', 'e.g. mk8s node join node1 --ssh root@192.168.56.11')
  const spec = opts.ssh
  const bare = !spec.includes('@') && !/:\d+$/.test(spec)
  if (bare && !ALIAS.test(spec)) throw new InputError(`invalid --ssh ${JSON.stringify(spec)}: expected USER@HOST[:PORT] or a Host of your SSH configuration`, 'e.g. --ssh root@192.168.56.11 or --ssh web1')
  const sshConfig = opts.sshConfig ? existingFile('--ssh-config', opts.sshConfig) : undefined
  const resolved = bare ? await resolveSsh(spec, {sshConfig}) : undefined
  return targetFromResolved(opts, resolved)
}
