/**
 * Where one mk8s command's time went, from the lines it writes under MK8S_TIMING=1 (see
 * src/lib/util/timing.ts): summed per part, the rest being what no line covers (planning,
 * rendering, process exit).
 */
import {round} from './figures.js'
import {median} from './measure.js'

/** Where one command's time went, from its MK8S_TIMING lines (ms). */
export interface Breakdown {
  total: number
  /** process start to the command's init: node, the bundle, oclif */
  cliStart: number
  stateRead: number
  stateWrite: number
  locks: number
  /** the nodes' scripts (programming), wall time: several nodes at once count once */
  scripts: number
  /** read-only round trips */
  reads: number
  docker: number
  /** planning, rendering and the rest: total minus the parts above */
  rest: number
}

/** How long the intervals cover together: steps on several nodes at once count once. */
function covered(spans: Array<[number, number]>): number {
  let sum = 0
  let end = -Infinity
  for (const [s, e] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (e <= end) continue
    sum += e - Math.max(s, end)
    end = e
  }
  return sum
}

export function breakdown(stderr: string, total: number): Breakdown {
  const b: Breakdown = {total, cliStart: 0, stateRead: 0, stateWrite: 0, locks: 0, scripts: 0, reads: 0, docker: 0, rest: 0}
  const spans: Record<string, Array<[number, number]>> = {}
  let first = true
  for (const m of stderr.matchAll(/^\[mk8s\] timing ([\d.]+) ms \+([\d.]+) ms (.+)$/gm)) {
    const [at, took, what] = [Number(m[1]), Number(m[2]), m[3]]
    if (first && what.startsWith('command ')) b.cliStart = at
    first = false
    const part =
      what === 'state read' || what === 'programmed read' ? 'stateRead'
      : what === 'state write' || what === 'programmed write' ? 'stateWrite'
      : what.startsWith('lock ') ? 'locks'
      : /^round trip \S+ \(read/.test(what) ? 'reads'
      : what.startsWith('round trip ') ? 'scripts'
      : what.startsWith('docker ') ? 'docker'
      : undefined
    if (part) (spans[part] ??= []).push([at - took, at])
  }
  for (const [part, list] of Object.entries(spans)) b[part as keyof Breakdown] = covered(list)
  b.rest = total - b.cliStart - b.stateRead - b.stateWrite - b.locks - b.scripts - b.reads - b.docker
  for (const k of Object.keys(b) as Array<keyof Breakdown>) b[k] = round(b[k], 1)
  return b
}

/** Per part, the median over runs. */
export const medianOf = (bs: Breakdown[]): Breakdown => Object.fromEntries(Object.keys(bs[0]).map((k) => [k, round(median(bs.map((b) => b[k as keyof Breakdown])), 1)])) as unknown as Breakdown

