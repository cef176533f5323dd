/**
 * Step boundaries and signals.
 *
 * Every change mk8s makes goes through a few narrow places: a state write, a node's script, a
 * call to a node's container runtime. Each calls `boundary(label)` just before it changes
 * anything, so the moments between two changes are all named, and counted:
 *
 * - MK8S_CRASH_AT=N kills this process with SIGKILL at the Nth boundary (what the crash tests
 *   drive, so that every boundary of a command is hit, not only random ones); with
 *   MK8S_CRASH_SIGNAL=SIGINT or SIGTERM it sends itself that signal there instead, as Ctrl-C would;
 * - MK8S_CRASH_LOG=FILE appends "N label" for every boundary passed (how a test learns them);
 * - after Ctrl-C (SIGINT) or SIGTERM, the next boundary that is a safe point (`safePoint`) throws
 *   InterruptedError: the command undoes or finishes what was in flight on its way out and exits
 *   130 or 143. A second signal stops at once (exit 130/143), as shells expect.
 */
import {appendFileSync} from 'node:fs'
import {Mk8sError} from './errors.js'

const SIGNAL_EXIT = {SIGINT: 130, SIGTERM: 143} as const
type Stop = keyof typeof SIGNAL_EXIT

/** Raised at the first safe point after a signal; its exit code is the shell's for that signal. */
export class InterruptedError extends Mk8sError {
  constructor(readonly signal: Stop, left = '') {
    super(`interrupted (${signal})${left ? `: ${left}` : ''}`, {exitCode: SIGNAL_EXIT[signal], hint: 'run the command again, or mk8s doctor --fix, to finish what it left'})
    this.name = 'InterruptedError'
  }
}

let passed = 0
let stop: Stop | undefined
let raised = false
let notify: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)

const crashAt = (): number | undefined => {
  const v = process.env.MK8S_CRASH_AT
  return v && /^\d+$/.test(v) ? Number(v) : undefined
}

/** A moment between two changes: counted, logged, and where the crash tests kill. */
export function boundary(label: string): void {
  passed++
  const log = process.env.MK8S_CRASH_LOG
  if (log) appendFileSync(log, `${passed} ${label}\n`)
  if (crashAt() === passed) {
    const sig = process.env.MK8S_CRASH_SIGNAL
    if (sig === 'SIGINT' || sig === 'SIGTERM') {
      // delivered as a terminal's would be: the handler runs once this step is under way
      if (!stop) {
        stop = sig
        notify(`${sig}: stopping at the next safe point, once the hosts have answered (again to stop at once)`)
      }
    } else process.kill(process.pid, 'SIGKILL')
  }
}

/**
 * A point between two changes where the command may stop: after a signal, throws
 * InterruptedError once (what follows is the command's own undoing, which is not interrupted again).
 */
export function safePoint(_label: string): void {
  // not a boundary of its own: nothing changes between it and the next one
  if (stop && !raised) {
    raised = true
    throw new InterruptedError(stop)
  }
}

/** Has a signal asked this command to stop? */
export const interrupted = (): Stop | undefined => stop

let installed = false

/** For commands that change hosts: SIGINT and SIGTERM stop at the next safe point. */
export function installSignalHandlers(say?: (msg: string) => void): void {
  if (say) notify = say
  if (installed) return
  installed = true
  for (const sig of Object.keys(SIGNAL_EXIT) as Stop[]) {
    process.on(sig, () => {
      if (stop) process.exit(SIGNAL_EXIT[sig]) // the second: now
      stop = sig
      notify(`${sig}: stopping at the next safe point, once the hosts have answered (again to stop at once)`)
    })
  }
}

/** Tests: forget what a previous command in this process saw. */
export function resetInterrupts(): void {
  passed = 0
  stop = undefined
  raised = false
}
