/**
 * MK8S_TIMING=1: one line per step of a command on stderr,
 *   [mk8s] timing 412.3 ms +18.9 ms state read
 * where the first number is the time since the process started (so the CLI's own start-up is the
 * first line's figure) and the second how long the step took. What bench/pods and bench/change
 * read to show where a command's time goes; nothing is written when the variable is unset.
 */
const on = (): boolean => Boolean(process.env.MK8S_TIMING)

const line = (start: number, what: string): void => {
  const end = performance.now()
  process.stderr.write(`[mk8s] timing ${end.toFixed(1)} ms +${(end - start).toFixed(1)} ms ${what}\n`)
}

/** A point in the command: "+0 ms". */
export function mark(what: string): void {
  if (on()) line(performance.now(), what)
}

/** Run fn, and under MK8S_TIMING say how long it took (when it settles, for a promise). */
export function timed<T>(what: string, fn: () => T): T {
  if (!on()) return fn()
  const start = performance.now()
  const result = fn()
  if (result instanceof Promise) {
    return result.finally(() => line(start, what)) as T
  }
  line(start, what)
  return result
}
