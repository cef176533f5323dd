import {randomBytes} from 'node:crypto'
import {heredocDelimiter, quote, shellJoin} from './quote.js'

/**
 * A word that only the host knows when the script runs (a pause container's pid, say): the value
 * of a shell variable that an earlier step of the same script bound, between fixed text. Rendered
 * as `'before'"$NAME"'after'`, so that dry-run prints exactly the script that runs.
 */
export interface HostValue {
  readonly var: string
  readonly before?: string
  readonly after?: string
}

/** One word of a step's argv: fixed text (quoted) or a value the host fills in. */
export type Arg = string | HostValue

export const hostValue = (name: string, before = '', after = ''): HostValue => {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`hostValue: bad variable name ${name}`)
  return {var: name, before, after}
}

const renderArg = (a: Arg): string =>
  typeof a === 'string' ? quote(a) : `${a.before ? quote(a.before) : ''}"$${a.var}"${a.after ? quote(a.after) : ''}`

/** Quote an argv that may hold host values into one command line. */
export function argvText(argv: readonly Arg[]): string {
  if (argv.every((a) => typeof a === 'string')) return shellJoin(argv as readonly string[])
  return argv.map(renderArg).join(' ')
}

/**
 * One command for a host. Plans are lists of steps built by pure planners; the executor sends a
 * host's whole list as one script in one round trip.
 */
export interface Step {
  /** The command, as argv. Never a shell string. */
  argv: readonly Arg[]
  /** Bind the command's stdout (its last line) to this shell variable for the steps after it; empty output fails the step. */
  bind?: string
  /** Text fed on stdin (sent as a quoted heredoc). */
  stdin?: string
  /** Ensure semantics: skip the command when this check succeeds (e.g. the link already exists). */
  unless?: readonly Arg[]
  /** Run the command only when this check succeeds (e.g. delete what is there). */
  onlyIf?: readonly Arg[]
  /** A failure is not an error: deleting something that may already be gone. */
  tolerate?: boolean
  /** Keep this step's output (stdout and stderr) and exit code instead of failing on error. */
  capture?: boolean
}

export type Plan = Step[]

export const step = (argv: readonly Arg[], extra: Omit<Step, 'argv'> = {}): Step => ({argv, ...extra})

/** The shell text of one step, as the user sees it with --dry-run and as the host runs it. */
export function renderStep(s: Step): string {
  if (s.bind) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(s.bind)) throw new Error(`step: bad variable name ${s.bind}`)
    return `${s.bind}=$(${argvText(s.argv)}) && [ -n "$${s.bind}" ]`
  }
  let cmd = argvText(s.argv)
  if (s.unless) cmd = `${argvText(s.unless)} </dev/null >/dev/null 2>&1 || ${cmd}`
  if (s.onlyIf) cmd = `! ${argvText(s.onlyIf)} </dev/null >/dev/null 2>&1 || ${cmd}`
  if (s.tolerate) cmd = `${cmd} 2>/dev/null || true`
  return cmd
}

function withStdin(line: string, s: Step, after = ''): string {
  if (s.stdin === undefined) return `${line}${after}`
  const body = s.stdin.endsWith('\n') ? s.stdin : `${s.stdin}\n`
  const delim = heredocDelimiter(body)
  return `${line} <<'${delim}'${after}\n${body}${delim}`
}

/** Human form of a plan: one command per step, heredocs inline. */
export function renderPlan(plan: Plan): string {
  return plan.map((s) => withStdin(s.stdin === undefined ? renderStep(s) : `{ ${renderStep(s)}; }`, s)).join('\n')
}

/**
 * What marks a script's captures and its failing step in its output. The executor draws a fresh
 * one for every script, so that no command's own output can pass for a marker.
 */
export const newMarker = (): string => `@@mk8s-${randomBytes(8).toString('hex')}`
const DEFAULT_MARKER = '@@mk8s'

/** The script a host runs: stops at the first failing step and names it on stderr. */
export function renderScript(plan: Plan, marker = DEFAULT_MARKER): string {
  const lines = ['set -u', `_mk8s_fail() { echo "${marker}-failed $1 $2" >&2; exit "$2"; }`]
  plan.forEach((s, i) => {
    const cmd = `{ ${renderStep(s)}; }`
    if (s.capture) {
      lines.push(`printf '%s %d\\n' '${marker}-begin' ${i}`)
      lines.push(withStdin(cmd, s, ' 2>&1'))
      lines.push(`printf '\\n%s %d %d\\n' '${marker}-end' ${i} $?`)
    } else {
      lines.push(withStdin(cmd, s, ` || _mk8s_fail ${i} $?`))
    }
  })
  lines.push('exit 0')
  return lines.join('\n') + '\n'
}

/**
 * A script that runs at boot, with no one to read a failure as it happens: every step runs, one
 * that fails is named on stderr (its first words) and the script goes on with the next, then
 * exits 1 if any failed. No `set -u`: a pid a failed step did not bind is empty, and the steps
 * that need it fail (and are named) in turn.
 */
export function renderBootBody(plan: Plan): string {
  const lines = ['rc=0', '_mk8s_failed() { echo "mk8s boot: failed (exit $1): $2" >&2; rc=1; }']
  for (const s of plan) {
    // its first words, or for a script its arguments
    const argv = s.argv.map((a) => (typeof a === 'string' ? a : `$${a.var}`))
    const shown = argv[0] === 'sh' && argv[1] === '-c' ? ['sh -c …', ...argv.slice(4)] : argv
    const words = quote(shown.slice(0, 4).join(' ').slice(0, 60))
    lines.push(withStdin(`{ ${renderStep(s)}; }`, s, ` || _mk8s_failed $? ${words}`))
  }
  lines.push('exit "$rc"')
  return lines.join('\n') + '\n'
}

export interface Captured {
  output: string
  code: number
}

/** Split the stdout of a script into the outputs of its capture steps, by step index. */
export function parseCaptures(stdout: string, marker = DEFAULT_MARKER): Map<number, Captured> {
  const out = new Map<number, Captured>()
  const re = new RegExp(`^${marker}-begin (\\d+)\\n([\\s\\S]*?)\\n${marker}-end \\1 (\\d+)$`, 'gm')
  for (const m of stdout.matchAll(re)) out.set(Number(m[1]), {output: m[2], code: Number(m[3])})
  return out
}

/** The failing step named on stderr by renderScript, if any. */
export function parseFailure(stderr: string, marker = DEFAULT_MARKER): {index: number; code: number; stderr: string} | undefined {
  const m = new RegExp(`^${marker}-failed (\\d+) (\\d+)$`, 'm').exec(stderr)
  if (!m) return undefined
  return {index: Number(m[1]), code: Number(m[2]), stderr: stderr.slice(0, m.index).trimEnd()}
}
