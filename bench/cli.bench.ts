/**
 * CLI start: `mk8s --version`, `mk8s --help` and `mk8s node list` (an empty state) beside a bare
 * `node -e 0`, for bin/run.js and for the single executable (`npm run package`, built here into a
 * temporary folder). Medians of MK8S_BENCH_RUNS (15) runs after one warm-up.
 *
 *   npm run build && npx tsx bench/cli.bench.ts
 */
import {rmSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {round, type BenchResult, type Figure} from './lib/figures.js'
import {run as runProcess, timeProcess} from './lib/measure.js'
import {isMain} from './lab.js'

const ROOT = resolve(import.meta.dirname, '..')
const CASES = [['--version'], ['--help'], ['node', 'list']]

export async function run(): Promise<BenchResult> {
  const runs = Number(process.env.MK8S_BENCH_RUNS ?? 15)
  const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-cli-'))
  try {
    const env = {...process.env, MK8S_STATE: join(dir, 'state.json'), NO_COLOR: '1'}
    runProcess(['node', join(ROOT, 'scripts/package.mjs'), '--out', dir])
    const bare = await timeProcess(['node', '-e', '0'], {env}, runs)
    const figures: Figure[] = []
    for (const [label, argv] of [['bin/run.js', ['node', join(ROOT, 'bin/run.js')]], ['single file', [join(dir, 'mk8s')]]] as const) {
      for (const args of CASES) {
        const ms = await timeProcess([...argv, ...args], {env, cwd: dir}, runs)
        figures.push({figure: `mk8s ${args.join(' ')} (${label})`, mk8s: round(ms), plain: round(bare), plainTool: 'node -e 0', unit: 'ms'})
      }
    }
    return {bench: 'cli', runs, figures}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if (isMain(import.meta.url)) {
  const r = await run()
  for (const f of r.figures!) console.log(`${f.figure}: ${f.mk8s} ms vs ${f.plainTool} ${f.plain} ms (x${round(f.mk8s / f.plain!, 2)})`)
}
