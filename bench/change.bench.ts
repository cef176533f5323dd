/**
 * A change costs what it changes: the whole command and the programming alone (the node's script
 * round trips) of `svc expose` when 1, 1000 and 5000 services exist, and of `pod run` / `pod
 * delete` when 1 and 1000 exist, both proxy modes, on lab node1. The services made in bulk all
 * select another pod (app=web); each measured command changes one service: the exposed one, or the
 * one that selects the pods run and deleted (app=probe). The figure at N is beside the same
 * command at 1 service, in the same run; the goal is at most 1.5x. With MK8S_TIMING=1 each
 * command says where its time went (state file, locks, SSH round trips, Docker), summed per part.
 *
 *   npm run build && npx tsx bench/change.bench.ts     (takes the lab lock; MK8S_BENCH_RUNS=5)
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
const NODE = {name: 'node1', address: '192.168.56.11'}
const RUNS = Number(process.env.MK8S_BENCH_RUNS ?? 5)
export const GOAL = 1.5


export async function run(): Promise<BenchResult> {
  return withLabLock(async () => {
    const up = await execa('node', [CLI, 'lab', 'up', '--nodes', '1'], {reject: false, all: true})
    if (up.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${up.all}`)
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-change-'))
    const env = {MK8S_STATE: join(dir, 'state.json'), NO_COLOR: '1'}
    const mk8s = async (args: string[], timing = false) => {
      const t0 = performance.now()
      const r = await execa('node', [CLI, ...args], {env: timing ? {...env, MK8S_TIMING: '1'} : env, reject: false})
      const ms = performance.now() - t0
      if (r.exitCode !== 0) throw new Error(`mk8s ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`)
      return {...breakdown(r.stderr, ms), trace: r.stderr.split('\n').filter((l) => l.startsWith('[mk8s] timing ')).map((l) => l.slice(14))}
    }
    const rows: Array<{mode: string; command: string; services: number; median: Breakdown; runs: number[]; trace?: string[]}> = []
    let made = 0
    const measure = async (mode: string, n: number, what: string[]) => {
      for (const command of what) {
        const bs: Array<Breakdown & {trace: string[]}> = []
        for (let i = 0; i < RUNS; i++) {
          const k = made++
          if (command === 'svc expose') bs.push(await mk8s(['svc', 'expose', 'pod/web', '--port', '8080', '--target-port', '80', '--name', `e${k}`], true))
          else if (command === 'pod run') bs.push(await mk8s(['pod', 'run', `p${i}`, '--image', 'mk8s/busybox', '-l', 'app=probe', '--node', NODE.name, '--', 'sleep', '3600'], true))
          else bs.push(await mk8s(['pod', 'delete', `p${i}`], true))
        }
        // one run's steps (the last), where the state is largest: what grows shows there
        const med = medianOf(bs.map(({trace: _, ...b}) => b))
        rows.push({mode, command, services: n, median: med, runs: bs.map((b) => round(b.total, 0)), ...(n > 1 || process.env.MK8S_BENCH_TRACE === 'all' ? {trace: bs.at(-1)!.trace} : {})})
        process.stderr.write(`change ${mode} ${command} at ${n}: ${JSON.stringify(med)}\n`)
      }
    }
    try {
      writeFileSync(join(dir, 'probe.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: probe\nspec:\n  selector:\n    app: probe\n  ports:\n  - port: 80\n')
      writeFileSync(join(dir, 'a.yaml'), servicesYaml(1, 1000))
      writeFileSync(join(dir, 'b.yaml'), servicesYaml(1000, 5000))
      for (const mode of ['iptables', 'nftables']) {
        await mk8s(['cluster', 'init', '--proxy-mode', mode])
        await mk8s(['node', 'join', NODE.name, '--ssh', `root@${NODE.address}`])
        await mk8s(['pod', 'run', 'web', '--image', 'mk8s/busybox', '-l', 'app=web', '--node', NODE.name, '--', 'httpd', '-f', '-p', '80', '-h', '/etc'])
        // the one service that the measured pods change; every other selects app=web
        await mk8s(['apply', '-f', join(dir, 'probe.yaml')])
        await measure(mode, 1, ['pod run', 'pod delete'])
        // measured exposes add services: the sizes count them (RUNS each, a few against thousands)
        await measure(mode, 1, ['svc expose'])
        await mk8s(['apply', '-f', join(dir, 'a.yaml')])
        await measure(mode, 1000, ['pod run', 'pod delete', 'svc expose'])
        await mk8s(['apply', '-f', join(dir, 'b.yaml')])
        await measure(mode, 5000, ['svc expose'])
        await mk8s(['cluster', 'reset', '--force'])
      }
    } finally {
      await execa('node', [CLI, 'cluster', 'reset', '--force'], {env, reject: false})
      if (process.env.MK8S_KEEP_LAB !== '1') await execa('node', [CLI, 'lab', 'down'], {reject: false})
      rmSync(dir, {recursive: true, force: true})
    }
    const at = (mode: string, command: string, n: number) => rows.find((r) => r.mode === mode && r.command === command && r.services === n)!
    const figures: Figure[] = []
    const notes: string[] = []
    for (const mode of ['iptables', 'nftables']) {
      for (const [command, n] of [['svc expose', 1000], ['svc expose', 5000], ['pod run', 1000], ['pod delete', 1000]] as const) {
        const big = at(mode, command, n).median
        const one = at(mode, command, 1).median
        figures.push({figure: `${mode}: ${command} when ${n} services exist, whole command (goal <= ${GOAL}x)`, mk8s: round(big.total, 0), plain: round(one.total, 0), plainTool: 'the same when 1 exists', unit: 'ms'})
        figures.push({figure: `${mode}: ${command} when ${n} services exist, the node's scripts (goal <= ${GOAL}x)`, mk8s: big.scripts, plain: one.scripts, plainTool: 'the same when 1 exists', unit: 'ms'})
      }
    }
    const parts = (b: Breakdown) => `CLI start ${b.cliStart}, state read ${b.stateRead}, state write ${b.stateWrite}, locks ${b.locks}, scripts ${b.scripts}, reads ${b.reads}, Docker ${b.docker}, rest ${b.rest}`
    const growth = (mode: string, command: string, n: number) => {
      const [one, big] = [at(mode, command, 1).median, at(mode, command, n).median]
      const grew = (['stateRead', 'stateWrite', 'locks', 'scripts', 'docker', 'rest'] as const).map((k) => [k, round(big[k] - one[k], 0)] as const).filter(([, d]) => Math.abs(d) >= 10)
      return `${mode} ${command}, 1 -> ${n} services: ${round(one.total, 0)} -> ${round(big.total, 0)} ms (${round(big.total / one.total, 2)}x; goal ${GOAL}x: ${big.total / one.total <= GOAL ? 'met' : 'missed'}); what grew (ms): ${grew.map(([k, d]) => `${k} ${d > 0 ? '+' : ''}${d}`).join(', ') || 'nothing'}.`
    }
    notes.push(
      `On lab node1 alone. Each row: the median of ${RUNS} runs; the services made in bulk select another pod than the measured change, so each command changes one service. Parts from MK8S_TIMING (src/lib/util/timing.ts): CLI start = process start to the command's init; state read/write = the state file and the programmed copy beside it (bench/out/results.json has one run's steps per row at 1000 and 5000); scripts = the node's round trips; rest = what no step covers: planning, rendering, process exit.`,
      ...(['iptables', 'nftables'] as const).flatMap((mode) => [growth(mode, 'svc expose', 5000), growth(mode, 'pod run', 1000), growth(mode, 'pod delete', 1000)]),
    )
    for (const r of rows) notes.push(`${r.mode} ${r.command} at ${r.services} services: ${r.median.total} ms = ${parts(r.median)} (ms, medians of ${RUNS})`)
    return {bench: 'change', runs: RUNS, figures, notes, rows}
  })
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
