/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named: `npm run bench -- cli roundtrips`)
 * one after another, each module's `run()`; holds the lab lock around a module that exports
 * `needsLab = true`; writes bench/RESULTS.md with the machine named and each figure beside the
 * plain tool doing the same job, as a ratio (see bench/lib/figures.ts), and bench/out/results.json.
 * Run for some benches only, it keeps the others' figures of the last run on this machine, dated.
 */
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {withLabLock} from './lab.js'
import type {BenchResult} from './lib/figures.js'
import {machine, renderResults, type Outcome} from './lib/report.js'

const DIR = import.meta.dirname

interface BenchModule {
  run(): Promise<BenchResult>
  needsLab?: boolean
}

async function runOne(mod: BenchModule): Promise<BenchResult> {
  if (!mod.needsLab) return mod.run()
  return withLabLock(async () => {
    // the module's own withLabLock must not wait for the lock this process holds
    process.env.MK8S_LAB_LOCK_HELD = '1'
    try {
      return await mod.run()
    } finally {
      delete process.env.MK8S_LAB_LOCK_HELD
    }
  })
}

/** When only some benches run, the others' figures from the last run (bench/out/results.json) stay in RESULTS.md, dated. */
function earlierOutcomes(ran: string[]): Outcome[] {
  try {
    const last = JSON.parse(readFileSync(join(DIR, 'out/results.json'), 'utf8')) as {machine: {date: string}; outcomes: Outcome[]}
    return last.outcomes.filter((o) => !ran.includes(o.name) && !o.error).map((o) => ({...o, earlier: o.earlier ?? last.machine.date}))
  } catch {
    return []
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2)
  const names = readdirSync(DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''))
    .filter((n) => only.length === 0 || only.includes(n))
    .sort()
  const outcomes: Outcome[] = []
  for (const name of names) {
    process.stderr.write(`bench ${name}...\n`)
    const t0 = Date.now()
    try {
      const mod = (await import(pathToFileURL(join(DIR, `${name}.bench.ts`)).href)) as BenchModule
      outcomes.push({name, result: await runOne(mod), seconds: (Date.now() - t0) / 1000})
    } catch (error) {
      process.stderr.write(`bench ${name} failed: ${(error as Error).stack ?? error}\n`)
      outcomes.push({name, error: (error as Error).message ?? String(error), seconds: (Date.now() - t0) / 1000})
    }
  }
  const m = machine()
  if (only.length) outcomes.push(...earlierOutcomes(names))
  outcomes.sort((a, b) => a.name.localeCompare(b.name))
  mkdirSync(join(DIR, 'out'), {recursive: true})
  writeFileSync(join(DIR, 'out/results.json'), JSON.stringify({machine: m, outcomes}, null, 2) + '\n')
  writeFileSync(join(DIR, 'RESULTS.md'), renderResults(m, outcomes))
  process.stderr.write(`wrote bench/RESULTS.md (${outcomes.filter((o) => !o.error).length} of ${outcomes.length} benches ran)\n`)
  if (outcomes.some((o) => o.error)) process.exitCode = 1
}

await main()
