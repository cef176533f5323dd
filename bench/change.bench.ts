/**
 * A change costs what it changes: the whole command and the programming alone (the node's script
 * round trips) of `svc expose` when 1000 and 5000 services exist, and of `pod run` / `pod delete`
 * when 1000 exist, both proxy modes, beside the same command when 1 exists. Two clusters, each
 * with a state file of its own on a lab node of its own (the small one on node1, the big one on
 * node2), measured in turns (small, big; then big, small), so that whatever else the machine does
 * meanwhile weighs on both alike. The services made in bulk all select another pod (app=web); each
 * measured command changes one service: the exposed one, or the one that selects the pods run and
 * deleted (app=probe). The goal is at most 1.5x. With MK8S_TIMING=1 each command says where its
 * time went (state file, locks, SSH round trips, Docker), summed per part.
 *
 *   npm run build && npx tsx bench/change.bench.ts     (takes the lab lock; MK8S_BENCH_RUNS=7)
 */
import {execa} from 'execa'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {round, type BenchResult, type Figure} from './lib/figures.js'
import {breakdown, medianOf, type Breakdown} from './lib/timing.js'
import {isMain, withLabLock} from './lab.js'
import {servicesYaml} from './lib/manifests.js'

export const needsLab = true

const CLI = resolve(import.meta.dirname, '../bin/run.js')
const NODES = {small: {name: 'node1', address: '192.168.56.11'}, big: {name: 'node2', address: '192.168.56.12'}} as const
type Size = keyof typeof NODES
const RUNS = Number(process.env.MK8S_BENCH_RUNS ?? 7)
export const GOAL = 1.5

type Run = Breakdown & {trace: string[]}

export async function run(): Promise<BenchResult> {
  return withLabLock(async () => {
    const up = await execa('node', [CLI, 'lab', 'up', '--nodes', '2'], {reject: false, all: true})
    if (up.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${up.all}`)
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-change-'))
    const env = (size: Size) => ({MK8S_STATE: join(dir, `${size}.json`), NO_COLOR: '1'})
    const mk8s = async (size: Size, args: string[], timing = false): Promise<Run> => {
      const t0 = performance.now()
      const r = await execa('node', [CLI, ...args], {env: timing ? {...env(size), MK8S_TIMING: '1'} : env(size), reject: false})
      const ms = performance.now() - t0
      if (r.exitCode !== 0) throw new Error(`mk8s ${args.join(' ')} (${size} cluster) exited ${r.exitCode}: ${r.stderr}`)
      return {...breakdown(r.stderr, ms), trace: r.stderr.split('\n').filter((l) => l.startsWith('[mk8s] timing ')).map((l) => l.slice(14))}
    }
    const rows: Array<{mode: string; command: string; services: number; small: Breakdown; big: Breakdown; runs: {small: number[]; big: number[]}; trace: string[]}> = []
    let made = 0
    const command = (size: Size, what: string, i: number): string[] => {
      if (what === 'svc expose') return ['svc', 'expose', 'pod/web', '--port', '8080', '--target-port', '80', '--name', `e${made++}`]
      if (what === 'pod run') return ['pod', 'run', `p${i}`, '--image', 'mk8s/busybox', '-l', 'app=probe', '--node', NODES[size].name, '--', 'sleep', '3600']
      return ['pod', 'delete', `p${i}`]
    }
    const measure = async (mode: string, n: number, what: string[]) => {
      for (const c of what) {
        const runs: Record<Size, Run[]> = {small: [], big: []}
        for (let i = 0; i < RUNS; i++) {
          for (const size of (i % 2 ? ['big', 'small'] : ['small', 'big']) as Size[]) runs[size].push(await mk8s(size, command(size, c, i), true))
        }
        const med = (l: Run[]) => medianOf(l.map(({trace: _, ...b}) => b))
        // one run's steps (the big cluster's last): what grows shows there
        rows.push({mode, command: c, services: n, small: med(runs.small), big: med(runs.big), runs: {small: runs.small.map((b) => round(b.total, 0)), big: runs.big.map((b) => round(b.total, 0))}, trace: runs.big.at(-1)!.trace})
        process.stderr.write(`change ${mode} ${c} at 1 and ${n}: ${JSON.stringify({small: med(runs.small), big: med(runs.big)})}\n`)
      }
    }
    try {
      writeFileSync(join(dir, 'probe.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: probe\nspec:\n  selector:\n    app: probe\n  ports:\n  - port: 80\n')
      writeFileSync(join(dir, 'a.yaml'), servicesYaml(1, 1000))
      writeFileSync(join(dir, 'b.yaml'), servicesYaml(1000, 5000))
      for (const mode of ['iptables', 'nftables']) {
        for (const size of ['small', 'big'] as Size[]) {
          const node = NODES[size]
          await mk8s(size, ['cluster', 'init', '--proxy-mode', mode])
          await mk8s(size, ['node', 'join', node.name, '--ssh', `root@${node.address}`])
          await mk8s(size, ['pod', 'run', 'web', '--image', 'mk8s/busybox', '-l', 'app=web', '--node', node.name, '--', 'httpd', '-f', '-p', '80', '-h', '/etc'])
          // the one service that the measured pods change; every other selects app=web
          await mk8s(size, ['apply', '-f', join(dir, 'probe.yaml')])
        }
        // measured exposes add services: the sizes count them (RUNS each, a few against thousands)
        await mk8s('big', ['apply', '-f', join(dir, 'a.yaml')])
        await measure(mode, 1000, ['pod run', 'pod delete', 'svc expose'])
        await mk8s('big', ['apply', '-f', join(dir, 'b.yaml')])
        await measure(mode, 5000, ['svc expose'])
        for (const size of ['small', 'big'] as Size[]) await mk8s(size, ['cluster', 'reset', '--force'])
      }
    } finally {
      for (const size of ['small', 'big'] as Size[]) await execa('node', [CLI, 'cluster', 'reset', '--force'], {env: env(size), reject: false})
      if (process.env.MK8S_KEEP_LAB !== '1') await execa('node', [CLI, 'lab', 'down'], {reject: false})
      rmSync(dir, {recursive: true, force: true})
    }
    const at = (mode: string, command: string, n: number) => rows.find((r) => r.mode === mode && r.command === command && r.services === n)!
    const figures: Figure[] = []
    const notes: string[] = []
    for (const mode of ['iptables', 'nftables']) {
      for (const [command, n] of [['svc expose', 1000], ['svc expose', 5000], ['pod run', 1000], ['pod delete', 1000]] as const) {
        const {small, big} = at(mode, command, n)
        figures.push({figure: `${mode}: ${command} when ${n} services exist, whole command (goal <= ${GOAL}x)`, mk8s: round(big.total, 0), plain: round(small.total, 0), plainTool: 'the same when 1 exists, in turns', unit: 'ms'})
        figures.push({figure: `${mode}: ${command} when ${n} services exist, the node's scripts (goal <= ${GOAL}x)`, mk8s: big.scripts, plain: small.scripts, plainTool: 'the same when 1 exists, in turns', unit: 'ms'})
      }
    }
    const parts = (b: Breakdown) => `CLI start ${b.cliStart}, state read ${b.stateRead}, state write ${b.stateWrite}, locks ${b.locks}, scripts ${b.scripts}, reads ${b.reads}, Docker ${b.docker}, rest ${b.rest}`
    const growth = (mode: string, command: string, n: number) => {
      const {small: one, big} = at(mode, command, n)
      const grew = (['stateRead', 'stateWrite', 'locks', 'scripts', 'docker', 'rest'] as const).map((k) => [k, round(big[k] - one[k], 0)] as const).filter(([, d]) => Math.abs(d) >= 10)
      return `${mode} ${command}, 1 -> ${n} services: ${round(one.total, 0)} -> ${round(big.total, 0)} ms (${round(big.total / one.total, 2)}x; goal ${GOAL}x: ${big.total / one.total <= GOAL ? 'met' : 'missed'}); what grew (ms): ${grew.map(([k, d]) => `${k} ${d > 0 ? '+' : ''}${d}`).join(', ') || 'nothing'}.`
    }
    notes.push(
      `Two clusters, each on a lab node of its own (1 service on node1; 1000, then 5000 on node2), their commands run in turns. Each row: the median of ${RUNS} runs; the services made in bulk select another pod than the measured change, so each command changes one service. Parts from MK8S_TIMING (src/lib/util/timing.ts): CLI start = process start to the command's init; state read/write = the state file and the programmed copy beside it (bench/out/results.json has the big cluster's last run's steps per row); scripts = the node's round trips; rest = what no step covers: planning, rendering, process exit.`,
      ...(['iptables', 'nftables'] as const).flatMap((mode) => [growth(mode, 'svc expose', 1000), growth(mode, 'svc expose', 5000), growth(mode, 'pod run', 1000), growth(mode, 'pod delete', 1000)]),
    )
    for (const r of rows) notes.push(`${r.mode} ${r.command}, ${r.services} services: ${r.big.total} ms = ${parts(r.big)}; beside it at 1 service: ${r.small.total} ms = ${parts(r.small)} (ms, medians of ${RUNS})`)
    return {bench: 'change', runs: RUNS, figures, notes, rows}
  })
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
