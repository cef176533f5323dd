import {createHash} from 'node:crypto'
import {closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync} from 'node:fs'
import {homedir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {StateError} from '../errors.js'
import {boundary} from '../interrupt.js'
import {ownerGone} from '../util/owner.js'
import {z} from 'zod'
import {jsonEqual} from '../util/equal.js'
import {timed} from '../util/timing.js'
import {collectionSegments, parseSharing} from '../util/segments.js'
import {emptyState, SCHEMA_FILE, STATE_VERSION, StateSchema, type State} from './schema.js'

/**
 * What the hosts were last programmed from (beside the state file): that state, and the nodes that
 * missed a change since (unreachable, or their script failed), which are programmed whole next time.
 * On disk: the state in `state.json.programmed` (a state file's text), the nodes in
 * `state.json.stale`, so that marking a node in doubt before its script is sent writes a line, not
 * a copy of the state.
 */
export interface Programmed {
  state: State
  stale: string[]
}

/** The first two formats of the programmed file: the state with its stale nodes (now apart), or the state alone (read as is). */
const ProgrammedSchema = z.object({state: StateSchema, stale: z.array(z.string()).default([])})
const StaleSchema = z.object({stale: z.array(z.string())})

/** The collections of a state (records of objects), each object valid or not on its own. */
const COLLECTIONS = Object.keys(StateSchema.shape).filter((k) => !['apiVersion', 'version', 'cluster'].includes(k)) as Array<keyof State>
const COLLECTION_SET: ReadonlySet<string> = new Set(COLLECTIONS)

/**
 * Which mk8s wrote a state's digest (see StateStore.trusted): the state's format and the file its
 * schema was loaded from (the bundle, or schema.js), by size and time. Another build validates
 * again. Undefined where the file cannot be found: every read is then validated.
 */
const BUILD: string | undefined = (() => {
  try {
    const s = statSync(SCHEMA_FILE)
    return `${STATE_VERSION}:${s.size}:${s.mtimeMs}`
  } catch {
    return undefined
  }
})()

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

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

  /**
   * A text mk8s itself wrote, validated, by this very build: its digest beside it (`X.sum`, written
   * after the file) names this build and the text's SHA-256. It is then parsed, not validated again
   * (at 5000 services validating is most of a command's reading: about 100 ms against 3 for the
   * digest). Any other text (edited by hand, written by another build, a write cut short before
   * its digest) is validated as always.
   */
  private trusted(path: string, text: string): boolean {
    if (this.known.get(path) === text) return true
    if (!BUILD) return false
    try {
      const sum = JSON.parse(readFileSync(`${path}.sum`, 'utf8')) as {build?: unknown; sha256?: unknown}
      if (sum.build !== BUILD || sum.sha256 !== sha256(text)) return false
    } catch {
      return false
    }
    this.known.set(path, text)
    return true
  }

  read(): State {
    if (this.memory) return structuredClone(this.memory)
    return this.readFile()
  }

  /**
   * The state, and the file's text when it is known valid (see trusted): what the pipeline
   * records as programmed when it programmed the state as read, written then as it was read.
   */
  readWithText(): {state: State; text?: string} {
    const state = this.read()
    const text = this.memory ? undefined : this.known.get(this.path)
    return {state, ...(text === undefined ? {} : {text})}
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
    if (this.trusted(this.path, text)) return JSON.parse(text) as State
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
  readProgrammed(base?: {state: State; text?: string}): Programmed | undefined {
    if (this.programmedMemory) return structuredClone(this.programmedMemory)
    return timed('programmed read', () => this.readProgrammedFile(base))
  }

  /**
   * `base`: the state as read with its text (readWithText), which the programmed state is parsed
   * against: what the two share is base's own objects (util/segments.ts parseSharing), so neither
   * may be changed afterwards (the pipeline's planners are pure).
   */
  private readProgrammedFile(base?: {state: State; text?: string}): Programmed | undefined {
    const path = `${this.path}.programmed`
    let text: string
    let raw: unknown
    try {
      text = readFileSync(path, 'utf8')
      if (this.trusted(path, text)) {
        const shared = base?.text !== undefined && this.known.get(this.path) === base.text ? parseSharing(text, base.text, base.state, COLLECTION_SET) : undefined
        return {state: (shared ?? JSON.parse(text)) as State, stale: this.readStale()}
      }
      raw = JSON.parse(text)
    } catch {
      this.known.delete(path)
      return undefined
    }
    if ((raw as {apiVersion?: unknown})?.apiVersion === undefined) {
      // the format before: the state and its stale nodes in one file (with those a newer mk8s marked beside it)
      const old = ProgrammedSchema.safeParse(raw)
      this.known.delete(path)
      return old.success ? {state: old.data.state, stale: [...new Set([...old.data.stale, ...this.readStale()])].sort()} : undefined
    }
    const now = StateSchema.safeParse(raw)
    this.learn(path, text, now.success ? now.data : undefined)
    return now.success ? {state: now.data, stale: this.readStale()} : undefined
  }

  /** The nodes that missed a change, or whose script was sent and not answered yet (none when the file is missing). */
  private readStale(): string[] {
    try {
      return StaleSchema.parse(JSON.parse(readFileSync(`${this.path}.stale`, 'utf8'))).stale
    } catch {
      return []
    }
  }

  private programmedMemory?: Programmed

  /**
   * Record what the hosts were programmed from: the state (when `state` is given), then the nodes
   * that missed it. In that order, so that a command killed in between leaves the nodes of the
   * record before, in doubt, as stale: a superset, programmed whole next time.
   */
  writeProgrammed(p: {state?: State; stale: string[]; text?: string}): void {
    if (this.dryRun) {
      const state = p.state ?? this.programmedMemory?.state ?? this.readProgrammed()?.state
      if (state) this.programmedMemory = structuredClone({state, stale: p.stale})
      return
    }
    boundary('programmed write')
    timed('programmed write', () => {
      // `text`: the state file's text that `state` was read from, unchanged since (readWithText)
      if (p.text !== undefined) this.writeText(p.text, `${this.path}.programmed`)
      else if (p.state) this.writeJson(p.state, `${this.path}.programmed`, this.known.get(this.path))
      this.writeJson({stale: p.stale}, `${this.path}.stale`, undefined, StaleSchema)
    })
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
    timed('state write', () => this.writeJson(state, this.path, this.known.get(this.path)))
  }

  /**
   * A state validated, where `base` is the known-valid text it was made from: only the objects
   * that differ from base's are validated (each object of a collection is valid or not on its
   * own; at 5000 services, validating all of them is most of a write). Without base, all of it.
   */
  private validated(state: State, base: string | undefined, text: string): {state: State; asGiven: boolean} {
    if (base === undefined) return {state: StateSchema.parse(state), asGiven: false}
    const changed = this.changedObjects(state, base, text)
    const part: Record<string, unknown> = {...state}
    for (const [c, keys] of changed) part[c] = Object.fromEntries([...keys].map((k) => [k, (state[c] as Record<string, unknown>)[k]]))
    const parsed = StateSchema.parse(part) as Record<keyof State, unknown>
    // what validation gave back is what it was given (nothing dropped nor defaulted): the text rendered already stands
    const asGiven = jsonEqual(parsed, part)
    if (asGiven) return {state, asGiven}
    for (const [c, keys] of changed) {
      const now = state[c] as Record<string, unknown>
      const checked = parsed[c] as Record<string, unknown>
      parsed[c] = Object.fromEntries(Object.keys(now).map((k) => [k, keys.has(k) ? checked[k] : now[k]]))
    }
    return {state: parsed as State, asGiven}
  }

  /**
   * Per collection, the objects of `state` (rendered as `text`) that are not in `base` as they are
   * there, found by comparing the objects' lines in both texts (segments.ts); a collection missing
   * here (all of them, for a text in another shape) is validated whole.
   */
  private changedObjects(state: State, base: string, text: string): Map<keyof State, Set<string>> {
    const out = new Map<keyof State, Set<string>>()
    const a = collectionSegments(base, COLLECTION_SET)
    const b = a && collectionSegments(text, COLLECTION_SET)
    if (!a || !b) return out
    for (const c of COLLECTIONS) {
      const now = state[c] as Record<string, unknown> | undefined
      if (!now || typeof now !== 'object' || Array.isArray(now)) continue
      const keys = Object.keys(now)
      const [before, after] = [a.get(c) ?? new Map<string, string>(), b.get(c) ?? new Map<string, string>()]
      if (after.size !== keys.length) continue
      const tokens = keys.map((k) => JSON.stringify(k))
      if (tokens.some((t) => !after.has(t))) continue
      out.set(c, new Set(keys.filter((_, i) => before.get(tokens[i]) !== after.get(tokens[i]))))
    }
    return out
  }

  /**
   * Write a state (validated, see validated) or, with `schema`, another value, to `path`
   * atomically (temp file, fsync, rename, fsync of the folder), mode 0600, then its digest (see
   * trusted). A state whose text is `base` already (a command that changed nothing, the
   * programmed copy of the state as saved) is written without validating again; when `path`
   * holds that text already, not at all.
   */
  private writeJson(value: unknown, path: string, base?: string, schema?: z.ZodType): void {
    let data = render(value)
    if (this.known.get(path) === data) return
    if (schema) data = render(schema.parse(value))
    else if (data !== base) {
      const v = this.validated(value as State, base, data)
      if (!v.asGiven) data = render(v.state)
    }
    this.writeText(data, path, !schema)
  }

  /** Write a text known to be valid to `path` atomically (see writeJson); with `digest` (a state's text), its digest after it. */
  private writeText(data: string, path: string, digest = true): void {
    if (this.known.get(path) === data) return
    const dir = dirname(path)
    const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`)
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
    if (digest && BUILD) {
      // a cache: lost or torn, the next read validates the file instead
      const sum = `${path}.sum`
      try {
        writeFileSync(`${sum}.${process.pid}.tmp`, JSON.stringify({build: BUILD, sha256: sha256(data)}) + '\n', {mode: 0o600})
        renameSync(`${sum}.${process.pid}.tmp`, sum)
      } catch {}
    }
  }
}
