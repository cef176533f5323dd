import {spawn, type ChildProcess} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdirSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {HostCommandError, InputError, UnreachableError} from '../errors.js'
import {newMarker, parseCaptures, parseFailure, renderScript, renderStep, type Captured, type Plan} from './plan.js'
import {hostKeyProblem, sudoRefusal, sudoWrap} from './privilege.js'
import {shellJoin} from './quote.js'

export interface RunResult {
  stdout: string
  stderr: string
  code: number
}

/**
 * How a host is reached: the machine mk8s runs on, or over SSH. user, host and port are whom ssh
 * reaches (with an alias: what `ssh -G` resolved when the node joined). Optional, so that older
 * states still read: sudo (the user is not root: scripts run under sudo -n), alias (a Host of the
 * SSH configuration, handed to ssh as it is so that its User, Port, IdentityFile and ProxyJump
 * apply), sshConfig (ssh -F FILE) and identity (ssh -i FILE).
 */
export type SshTarget = {kind: 'ssh'; user: string; host: string; port: number; sudo?: boolean; alias?: string; sshConfig?: string; identity?: string}
export type Target = {kind: 'local'} | SshTarget

/** Extra SSH options for a target (the lab adds its own key and known_hosts for its addresses). */
export type SshOptionsHook = (t: {host: string; port: number}) => string[]
let sshOptionsHook: SshOptionsHook = () => []
export const setSshOptionsHook = (hook: SshOptionsHook): void => {
  sshOptionsHook = hook
}

/**
 * The script goes on stdin; the remote side saves it to a file first so that commands in it never
 * read the script as their input.
 */
const WRAPPER = 'f=$(mktemp) && cat >"$f" && { bash "$f"; rc=$?; rm -f "$f"; exit $rc; }'

/**
 * OpenSSH's %C hashes the local host, remote host, port and user only: an alias reached through a
 * ProxyJump, another config file or key would share a master made by a direct connection to the
 * same user@host, and silently skip its jump host. Such targets get a master of their own.
 */
export function connectionSuffix(t: SshTarget): string {
  if (!t.alias && !t.sshConfig && !t.identity) return ''
  return `-${createHash('sha256').update(JSON.stringify([t.alias ?? '', t.sshConfig ?? '', t.identity ?? ''])).digest('hex').slice(0, 8)}`
}

export function describeTarget(t: Target): string {
  if (t.kind === 'local') return 'local'
  return t.alias ?? `${t.user}@${t.host}${t.port === 22 ? '' : `:${t.port}`}`
}

export function parseSshTarget(spec: string): Target | undefined {
  const m = /^(?:([a-z_][a-z0-9_.-]*)@)?([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(spec)
  if (!m) return undefined
  const port = m[3] ? Number(m[3]) : 22
  if (port < 1 || port > 65535) return undefined
  return {kind: 'ssh', user: m[1] ?? 'root', host: m[2].replace(/^\[|\]$/g, ''), port}
}

export class Host {
  constructor(readonly name: string, readonly target: Target) {}

  get label(): string {
    return `${this.name} (${describeTarget(this.target)})`
  }

  /** argv that runs `remote` (a shell command line) on this host. */
  commandFor(remote: string, opts: {tty?: boolean} = {}): string[] {
    if (this.target.kind === 'local') return ['bash', '-c', remote]
    const t = this.target
    const ctl = join(process.env.MK8S_SSH_DIR ?? join(homedir(), '.mk8s', 'ssh'))
    mkdirSync(ctl, {recursive: true, mode: 0o700})
    // an alias goes to ssh as it is (its own User and Port apply); the destination is always the
    // word just before '--' (the Docker forward and lab down rely on it)
    const dest = t.alias ? [t.alias] : ['-p', String(t.port), `${t.user}@${t.host}`]
    return [
      'ssh',
      ...(t.sshConfig ? ['-F', t.sshConfig] : []),
      '-o', 'BatchMode=yes',
      '-o', 'ConnectTimeout=5',
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=2',
      '-o', 'ControlMaster=auto',
      '-o', `ControlPath=${ctl}/%C${connectionSuffix(t)}`,
      '-o', 'ControlPersist=30',
      '-o', 'LogLevel=ERROR',
      ...(t.identity ? ['-i', t.identity, '-o', 'IdentitiesOnly=yes'] : []),
      ...sshOptionsHook(t),
      ...(opts.tty ? ['-t'] : ['-T']),
      ...dest,
      '--',
      t.sudo ? sudoWrap(remote) : remote,
    ]
  }

  /**
   * Open the session of this host's next script now, while the command does other work: an SSH
   * session costs more to open (sshd's session channel, the remote user's shell and its rc files:
   * 100-150 ms on the lab's hosts) than most scripts take to run. The remote side waits for the
   * script on stdin (WRAPPER) and the next apply() to this host sends it; one that none takes is
   * given an empty script, which runs nothing, by closeSessions() or when mk8s exits.
   */
  openSession(): void {
    if (this.target.kind === 'local') return
    const argv = this.commandFor(WRAPPER)
    const key = argv.join('\0')
    if (!ahead.has(key)) ahead.set(key, openAhead(argv))
  }

  /** Run `remote` with `input` on stdin; `marker`: the script's, whose failure line means the host answered. */
  private async exec(remote: string, input: string, marker?: string): Promise<RunResult> {
    const [file, ...args] = this.commandFor(remote)
    const opened = remote === WRAPPER ? takeAhead([file, ...args].join('\0')) : undefined
    let res: RunResult
    if (opened) {
      const r = await opened.run(input)
      if (r.error) throw new UnreachableError(this.name, r.error.message)
      res = r
    } else {
      const {execa} = await import('execa') // imported where used: most commands' first moments start no process
      // its own process group: a Ctrl-C at the terminal reaches mk8s, which lets the host finish the script it was given
      const r = await execa(file, args, {input, reject: false, stripFinalNewline: false, maxBuffer: 256 * 1024 * 1024, detached: true})
      res = {stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.exitCode ?? 1}
      if (r.exitCode === undefined && r.failed) throw new UnreachableError(this.name, r.shortMessage ?? String(r.message))
    }
    const t = this.target
    if (t.kind === 'ssh' && res.code === 255 && !(marker && parseFailure(res.stderr, marker))) {
      throw hostKeyProblem(this.name, t.host, t.port, res.stderr) ?? new UnreachableError(this.name, res.stderr.trim().split('\n').pop() || 'ssh exited 255')
    }
    if (t.kind === 'ssh' && t.sudo && res.code !== 0 && !(marker && parseFailure(res.stderr, marker))) {
      const refused = sudoRefusal(this.name, t.user, t.host, res.stderr, res.code)
      if (refused) throw refused
    }
    return res
  }

  /** Run a plan as one script in one round trip. Throws on the first failing step. */
  async apply(plan: Plan): Promise<Map<number, Captured>> {
    if (plan.length === 0) return new Map()
    const marker = newMarker()
    const res = await this.exec(WRAPPER, renderScript(plan, marker), marker)
    const failure = parseFailure(res.stderr, marker)
    if (failure) {
      throw new HostCommandError(this.name, renderStep(plan[failure.index]), failure.code, failure.stderr)
    }
    if (res.code !== 0) throw new HostCommandError(this.name, 'script', res.code, res.stderr)
    return parseCaptures(res.stdout, marker)
  }

  /** Run one command and return its output, whatever its exit code. */
  async run(argv: readonly string[], input = ''): Promise<RunResult> {
    return this.exec(shellJoin(argv), input)
  }

  /**
   * The ssh argv that forwards `listen` on this machine to `to` as the host reaches it (port-forward):
   * its own connection (-N, no command), never the multiplexed master, so that it ends with itself.
   */
  forwardCommand(forwards: ReadonlyArray<{listen: string; to: string}>): string[] {
    if (this.target.kind === 'local') throw new InputError(`node ${this.name} is this machine: connect to the pod's address directly`, 'port-forward is for nodes reached over SSH')
    const argv = this.commandFor('true')
    const dest = argv.indexOf('--') - 1
    return [...argv.slice(0, dest).map((a) => (a.startsWith('ControlMaster=') ? 'ControlMaster=no' : a.startsWith('ControlPath=') ? 'ControlPath=none' : a)), '-o', 'ExitOnForwardFailure=yes', '-N', ...forwards.flatMap((f) => ['-L', `${f.listen}:${f.to}`]), argv[dest]]
  }

  /** Run one command with the terminal attached (node exec, pod exec); returns its exit code. */
  async interactive(argv: readonly string[]): Promise<number> {
    const [file, ...args] = this.commandFor(shellJoin(argv), {tty: Boolean(process.stdin.isTTY)})
    const {execa} = await import('execa')
    const r = await execa(file, args, {stdio: 'inherit', reject: false})
    if (this.target.kind === 'ssh' && r.exitCode === 255) throw new UnreachableError(this.name, 'ssh exited 255')
    return r.exitCode ?? 1
  }
}

/** A script session opened ahead (Host.openSession): the ssh process, waiting for its script. */
interface Ahead {
  child: ChildProcess
  run(input: string): Promise<RunResult & {error?: Error}>
}

/** Sessions opened ahead, by their ssh command line, each for the next script to that host. */
const ahead = new Map<string, Ahead>()

function openAhead([file, ...args]: string[]): Ahead {
  // its own process group, as every script's (see exec)
  const child = spawn(file, args, {stdio: ['pipe', 'pipe', 'pipe'], detached: true})
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout!.on('data', (d: Buffer) => out.push(d))
  child.stderr!.on('data', (d: Buffer) => err.push(d))
  child.stdin!.on('error', () => {}) // gone before its script: its exit says why
  const ended = new Promise<{code: number; error?: Error}>((resolve) => {
    child.once('error', (error) => resolve({code: 1, error}))
    child.once('close', (code) => resolve({code: code ?? 1}))
  })
  // while it waits, it keeps mk8s from exiting no more than a session not yet opened would
  const handles = [child, child.stdin, child.stdout, child.stderr] as Array<{ref?(): void; unref?(): void} | null>
  for (const h of handles) h?.unref?.()
  return {
    child,
    async run(input) {
      for (const h of handles) h?.ref?.()
      child.stdin!.end(input)
      const {code, error} = await ended
      return {stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code, error}
    },
  }
}

/** The session opened ahead for this command line, if one is there and still running. */
function takeAhead(key: string): Ahead | undefined {
  const a = ahead.get(key)
  ahead.delete(key)
  return a && a.child.exitCode === null && a.child.signalCode === null ? a : undefined
}

/** Sessions opened ahead and not taken: each given an empty script (which runs nothing) and let go. */
export function closeSessions(): void {
  for (const a of ahead.values()) a.child.stdin!.end('')
  ahead.clear()
}
