import {spawnSync, type SpawnSyncOptions} from 'node:child_process'

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Milliseconds one call of fn takes, as the median of `runs` calls after one warm-up. */
export async function timeMs(fn: () => unknown | Promise<unknown>, runs = 15): Promise<number> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(times)
}

/** Run argv to completion; throws with its stderr when it exits non-zero. */
export function run(argv: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(argv[0], argv.slice(1), {encoding: 'utf8', ...opts})
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${String(r.stderr).trim()}`)
  return String(r.stdout)
}

/** Median milliseconds of a process run to completion. */
export const timeProcess = (argv: string[], opts: SpawnSyncOptions = {}, runs = 15): Promise<number> =>
  timeMs(() => run(argv, opts), runs)
