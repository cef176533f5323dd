import {closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, utimesSync, writeFileSync, writeSync} from 'node:fs'
import {homedir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {StateError} from '../errors.js'
import {boundary} from '../interrupt.js'
import {ownerGone} from '../util/owner.js'
import {z} from 'zod'
import {timed} from '../util/timing.js'
import {emptyState, STATE_VERSION, StateSchema, type State} from './schema.js'

/**
 * What the hosts were last programmed from (beside the state file): that state, and the nodes that
 * missed a change since (unreachable, or their script failed), which are programmed whole next time.
 */
export interface Programmed {
  state: State
  stale: string[]
}

const ProgrammedSchema = z.object({state: StateSchema, stale: z.array(z.string()).default([])})

/**
 * A lock's holder writes its pid beside it (`X.lock.pid`). A holder killed on this machine leaves a
 * lock nobody refreshes: it is made stale at once (its time set to the epoch, which proper-lockfile
 * then takes over as it does any stale lock) rather than after the 15 s a holder lost elsewhere
 * gets. Returns the pid file's path.
 */
function reviveDeadLock(lockfilePath: string): string {
  const owner = `${lockfilePath}.pid`
  try {
    const pid = Number(readFileSync(owner, 'utf8'))
    if (Number.isInteger(pid) && pid > 0 && ownerGone(pid, new Date().toISOString())) utimesSync(lockfilePath, new Date(0), new Date(0))
  } catch {}
  return owner
}

/** How a state file is written: what a read compares with to know a text it need not validate again. */
const render = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'

export const defaultStatePath = (): string => process.env.MK8S_STATE || join(homedir(), '.mk8s', 'state.json')

/**
 * The JSON state file: validated on every read, written atomically (temp file, fsync, rename,
 * fsync of the folder) with mode 0600, and changed only under a lock so that concurrent mk8s
 * processes never lose an update. A corrupt or newer file is reported and never overwritten.
 */
export class StateStore {
  /** Under --dry-run: the state as the command has changed it, in memory only. */
  private memory?: State

  /**
   * Per file, the last text this process wrote, or read and found to be exactly what it would
   * write of the state it validated: read again unchanged, that text is parsed and not validated
   * again (at 5000 services validation is most of a read, and one command reads several times).
   * Any other text, another process's write included, is validated as always.
   */
  private readonly known = new Map<string, string>()

  constructor(readonly path: string, readonly dryRun = false) {}

  /** Remember `text` as known to be valid when it is exactly the rendering of what validated; else forget the file's text. */
  private learn(path: string, text: string, valid: unknown): void {
    if (valid !== undefined && render(valid) === text) this.known.set(path, text)
    else this.known.delete(path)
  }

  read(): State {
    if (this.memory) return structuredClone(this.memory)
    return this.readFile()
  }

  private readFile(): State {
    return timed('state read', () => this.readFileNow())
  }

  private readFileNow(): State {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      this.known.delete(this.path)
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState()
      throw new StateError(`cannot read the state file ${this.path}: ${(error as Error).message}`)
    }
    if (this.known.get(this.path) === text) return JSON.parse(text) as State
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (error) {
      throw new StateError(
        `the state file ${this.path} is not valid JSON (${(error as Error).message})`,
        'it was left as it is: restore it from a backup, or move it away to start from an empty state',
      )
    }
    const version = (raw as {version?: unknown})?.version
    if (typeof version === 'number' && version > STATE_VERSION) {
      throw new StateError(
        `the state file ${this.path} has version ${version}, newer than this mk8s understands (${STATE_VERSION})`,
        'upgrade mk8s; the file was left as it is',
      )
    }
    const parsed = StateSchema.safeParse(raw)
    this.learn(this.path, text, parsed.success ? parsed.data : undefined)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new StateError(
        `the state file ${this.path} does not match the schema: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
        'it was left as it is: fix or move it away',
      )
    }
    return parsed.data
  }

  /**
   * Read, change and write the state under the lock. `fn` mutates the state it is given; its
   * result is returned. Under --dry-run nothing is written.
   */
  async update<T>(fn: (state: State) => T | Promise<T>): Promise<T> {
    if (this.dryRun) {
      // the change is made to a copy in memory: later reads of this command see it, the file never does
      const state = this.read()
      const result = await fn(state)
      this.memory = StateSchema.parse(state)
      return result
    }
    const release = await this.lock(this.path, 400)
    try {
      const state = this.read()
      const result = await fn(state)
      boundary('state write')
      this.write(state)
      return result
    } finally {
      await release()
    }
  }

  /**
   * Run `fn` while no other mk8s process programs hosts from this state: what is derived from the
   * whole state (DNS records, host-port chains, nginx's config) is then written from the newest
   * state by whoever writes last, never overwritten by an older copy. Waits minutes, not seconds:
   * the holder is talking to hosts.
   */
  async whileProgramming<T>(fn: () => Promise<T>): Promise<T> {
    if (this.dryRun) return fn() // nothing is programmed: no turn to wait for
    const release = await this.lock(`${this.path}.hosts`, 3000)
    try {
      return await fn()
    } finally {
      await release()
    }
  }

  /** Is some mk8s process programming hosts from this state right now (holding the hosts lock)? */
  async programmingNow(): Promise<boolean> {
    const what = `${this.path}.hosts`
    reviveDeadLock(`${what}.lock`)
    try {
      const {default: lockfile} = await import('proper-lockfile')
      return await lockfile.check(what, {realpath: false, lockfilePath: `${what}.lock`, stale: 15_000})
    } catch {
      return false
    }
  }

  /**
   * What the hosts were last programmed from (see pipeline/turn.ts), kept beside the state file;
   * undefined when there is none or it cannot be read (then every node is programmed whole). Under
   * --dry-run, what this command would have programmed.
   */
  readProgrammed(): Programmed | undefined {
    if (this.programmedMemory) return structuredClone(this.programmedMemory)
    return timed('programmed read', () => this.readProgrammedFile())
  }

  private readProgrammedFile(): Programmed | undefined {
    const path = `${this.path}.programmed`
    let text: string
    let raw: unknown
    try {
      text = readFileSync(path, 'utf8')
      if (this.known.get(path) === text) return JSON.parse(text) as Programmed
      raw = JSON.parse(text)
    } catch {
      this.known.delete(path)
      return undefined
    }
    const now = ProgrammedSchema.safeParse(raw)
    this.learn(path, text, now.success ? now.data : undefined)
    if (now.success) return now.data
    const old = StateSchema.safeParse(raw) // the first format: the state alone
    return old.success ? {state: old.data, stale: []} : undefined
  }

  private programmedMemory?: Programmed

  writeProgrammed(p: Programmed): void {
    if (this.dryRun) this.programmedMemory = structuredClone(p)
    else {
      boundary('programmed write')
      timed('programmed write', () => this.writeJson(ProgrammedSchema.parse(p), `${this.path}.programmed`))
    }
  }

  /** Lock `${what}.lock` (proper-lockfile keys its locks by `what`, so each lock names its own). */
  private lock(what: string, retries: number): Promise<() => Promise<void>> {
    return timed(`lock ${basename(what)}`, () => this.lockNow(what, retries))
  }

  private async lockNow(what: string, retries: number): Promise<() => Promise<void>> {
    mkdirSync(dirname(this.path), {recursive: true, mode: 0o700})
    const lockfilePath = `${what}.lock`
    // the holder's pid beside the lock: a holder killed on this machine leaves a lock nobody
    // refreshes, which is stale at once rather than after the 15 s a lost holder elsewhere gets
    const owner = reviveDeadLock(lockfilePath)
    try {
      const {default: lockfile} = await import('proper-lockfile') // imported where used: reads need no lock
      const release = await lockfile.lock(what, {
        realpath: false,
        lockfilePath,
        stale: 15_000,
        update: 3_000,
        retries: {retries, minTimeout: 10, maxTimeout: 150, factor: 1.3, randomize: true},
      })
      writeFileSync(owner, String(process.pid), {mode: 0o600})
      return async () => {
        try {
          unlinkSync(owner)
        } catch {}
        await release()
      }
    } catch (error) {
      throw new StateError(
        `cannot lock ${lockfilePath}: ${(error as Error).message}`,
        `another mk8s may be stuck; if none runs, remove ${lockfilePath}`,
      )
    }
  }

  /** Validate and write a state to `path` atomically (temp file, fsync, rename, fsync of the folder), mode 0600. */
  private write(state: State): void {
    timed('state write', () => {
      // a state the command did not change is not validated nor written again: the file, read under
      // the same lock, holds exactly that text
      if (this.known.get(this.path) === render(state)) return
      this.writeJson(StateSchema.parse(state), this.path)
    })
  }

  private writeJson(value: unknown, path: string): void {
    const dir = dirname(path)
    const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`)
    const data = render(value)
    const fd = openSync(tmp, 'w', 0o600)
    try {
      writeSync(fd, data)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    try {
      renameSync(tmp, path)
    } catch (error) {
      this.known.delete(path)
      unlinkSync(tmp)
      throw error
    }
    this.known.set(path, data)
    const dfd = openSync(dir, 'r')
    try {
      fsyncSync(dfd)
    } finally {
      closeSync(dfd)
    }
  }
}
