import {readFileSync} from 'node:fs'
import {cpus, loadavg, release, totalmem} from 'node:os'
import {round, type BenchResult} from './figures.js'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  kernel: string
  node: string
  loadAverage: number[]
  date: string
}

export interface Outcome {
  name: string
  result?: BenchResult
  error?: string
  seconds: number
  /** kept from an earlier run (when only some benches ran this time): the date of that run */
  earlier?: string
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown'
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu
  } catch {
    // not Linux: keep node's name for it
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadAverage: loadavg().map((l) => round(l, 2)),
    date: new Date().toISOString(),
  }
}

const cell = (x: unknown) => (x === undefined ? '-' : String(x))

/** RESULTS.md: the machine, then per bench its figures with ratios, or its raw result. */
export function renderResults(m: Machine, outcomes: Outcome[]): string {
  const out = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts). Each figure stands beside the plain tool doing the same job in the',
    'same run; the ratio is mk8s / plain (1.0 = as fast as the plain tool; for round trips, 1.0 = the goal).',
    'Times are medians of several runs; absolute times drift between machines, the ratios hold better.',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, node ${m.node}; load average at the end ${m.loadAverage.join(' ')}; ${m.date}.`,
    '',
  ]
  for (const o of outcomes) {
    out.push(`## ${o.name}`, '')
    if (o.error) {
      out.push(`Failed after ${round(o.seconds)} s: ${o.error}`, '')
      continue
    }
    const figures = o.result?.figures
    if (figures?.length) {
      out.push('| figure | mk8s | plain tool | plain | ratio |', '| --- | --- | --- | --- | --- |')
      for (const f of figures) {
        const ratio = f.plain ? round(f.mk8s / f.plain, 2) : undefined
        out.push(`| ${f.figure} | ${f.mk8s} ${f.unit} | ${cell(f.plainTool)} | ${f.plain === undefined ? '-' : `${f.plain} ${f.unit}`} | ${cell(ratio)} |`)
      }
      out.push('')
    }
    const notes = o.result?.notes
    if (notes?.length) out.push(...notes.map((n) => `- ${n}`), '')
    const {figures: _f, notes: _n, ...rest} = o.result ?? {}
    if (!figures?.length || Object.keys(rest).some((k) => !['bench', 'runs', 'date'].includes(k))) {
      out.push('<details><summary>all numbers</summary>', '', '```json', JSON.stringify(rest, null, 2), '```', '', '</details>', '')
    }
    out.push(o.earlier ? `(${round(o.seconds)} s, in the run of ${o.earlier})` : `(${round(o.seconds)} s)`, '')
  }
  return out.join('\n')
}
