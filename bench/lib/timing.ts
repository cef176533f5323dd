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
  /** the node's scripts (programming) */
  scripts: number
  /** read-only round trips */
  reads: number
  docker: number
  /** planning, rendering and the rest: total minus the parts above */
  rest: number
}

export function breakdown(stderr: string, total: number): Breakdown {
  const b: Breakdown = {total, cliStart: 0, stateRead: 0, stateWrite: 0, locks: 0, scripts: 0, reads: 0, docker: 0, rest: 0}
  let first = true
  for (const m of stderr.matchAll(/^\[mk8s\] timing ([\d.]+) ms \+([\d.]+) ms (.+)$/gm)) {
    const [at, took, what] = [Number(m[1]), Number(m[2]), m[3]]
    if (first && what.startsWith('command ')) b.cliStart = at
    first = false
    if (what === 'state read' || what === 'programmed read') b.stateRead += took
    else if (what === 'state write' || what === 'programmed write') b.stateWrite += took
    else if (what.startsWith('lock ')) b.locks += took
    else if (/^round trip \S+ \(read/.test(what)) b.reads += took
    else if (what.startsWith('round trip ')) b.scripts += took
    else if (what.startsWith('docker ')) b.docker += took
  }
  b.rest = total - b.cliStart - b.stateRead - b.stateWrite - b.locks - b.scripts - b.reads - b.docker
  for (const k of Object.keys(b) as Array<keyof Breakdown>) b[k] = round(b[k], 1)
  return b
}

/** Per part, the median over runs. */
export const medianOf = (bs: Breakdown[]): Breakdown => Object.fromEntries(Object.keys(bs[0]).map((k) => [k, round(median(bs.map((b) => b[k as keyof Breakdown])), 1)])) as unknown as Breakdown

