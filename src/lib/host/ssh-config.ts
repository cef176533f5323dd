/**
 * The user's own SSH configuration: a `Host` alias of ~/.ssh/config (or of --ssh-config FILE) is
 * left to OpenSSH to resolve. `ssh -G` prints what OpenSSH would use (user, hostname, port,
 * ProxyJump, identity files) without connecting; mk8s reads it to know whom it reaches.
 */
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import {InputError} from '../errors.js'

export interface ResolvedSsh {
  user: string
  hostname: string
  port: number
  proxyJump?: string
  identityFiles: string[]
  controlMaster?: string
}

/** Parse `ssh -G` output (one lowercase keyword and its value per line). */
export function parseSshG(text: string): ResolvedSsh {
  const first = new Map<string, string>()
  const ids: string[] = []
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim())
    if (!m) continue
    const [, key, value] = m
    if (key === 'identityfile') ids.push(value)
    if (!first.has(key)) first.set(key, value)
  }
  const port = Number(first.get('port') ?? '22')
  const jump = first.get('proxyjump')
  const cm = first.get('controlmaster')
  return {
    user: first.get('user') ?? '',
    hostname: first.get('hostname') ?? '',
    port: Number.isInteger(port) ? port : 22,
    ...(jump && jump !== 'none' ? {proxyJump: jump} : {}),
    identityFiles: ids,
    ...(cm ? {controlMaster: cm} : {}),
  }
}

/** An absolute path to a file that exists, for --ssh-config and --identity. */
export function existingFile(flag: string, file: string): string {
  const abs = resolve(file)
  if (!existsSync(abs)) throw new InputError(`${flag} ${file}: no such file`, `give the path of an existing file, e.g. ${flag} ~/.ssh/${flag === '--identity' ? 'id_ed25519' : 'config'}`)
  return abs
}

/** What OpenSSH resolves for a destination, without connecting. Exit 2 when ssh rejects the configuration. */
export async function resolveSsh(dest: string, opts: {sshConfig?: string} = {}): Promise<ResolvedSsh> {
  const {execa} = await import('execa')
  const r = await execa('ssh', [...(opts.sshConfig ? ['-F', opts.sshConfig] : []), '-G', '--', dest], {reject: false})
  if (r.exitCode !== 0) {
    throw new InputError(`ssh cannot read the configuration for ${JSON.stringify(dest)}: ${String(r.stderr).trim().split('\n').pop() || `ssh -G exited ${r.exitCode}`}`, `check ${opts.sshConfig ?? '~/.ssh/config'} (ssh -G ${dest} shows what OpenSSH makes of it)`)
  }
  const res = parseSshG(String(r.stdout))
  if (!res.hostname || !res.user) throw new InputError(`ssh -G ${dest} named no hostname or user`, 'check the Host entry in your SSH configuration')
  return res
}
