/**
 * CLI start: `mk8s --version`, `mk8s --help`, and commands that only read the state (`svc get`,
 * and `pod list` of a namespace without pods: with pods it asks each node for their live status,
 * which is SSH, not start-up), in a state of 3 nodes, 20 pods and 10 services, beside a bare
 * `node -e 0`, for bin/run.js (which runs dist/mk8s.cjs, the bundle), for bin/run.js without the
 * bundle (MK8S_UNBUNDLED=1: oclif loading dist/commands as it would), and for the single
 * executable (`npm run package`, built here into a temporary folder). The runs are interleaved
 * (one of each in turn), so that the machine's drift falls on all alike; medians of
 * MK8S_BENCH_RUNS (15) runs after one warm-up. Goals: --version at most 2.5x node -e 0, the
 * read-only commands at most 3x, the single file no slower than bin/run.js.
 *
 *   npm run build && npx tsx bench/cli.bench.ts
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {clusterFromOptions} from '../src/lib/cluster/service.js'
import {emptyState, type State} from '../src/lib/state/schema.js'
import {round, type BenchResult, type Figure} from './lib/figures.js'
import {median, run as runProcess} from './lib/measure.js'
import {isMain} from './lab.js'

const ROOT = resolve(import.meta.dirname, '..')
const T = '2024-01-01T00:00:00.000Z'

/** A state of a small cluster: 3 nodes (never contacted: these commands read the state only), 20 pods in namespace shop, 10 services in default. */
function smallCluster(): State {
  const s = emptyState()
  s.cluster = clusterFromOptions({}, T)
  for (let i = 1; i <= 3; i++) {
    s.nodes[`node${i}`] = {name: `node${i}`, target: {kind: 'ssh', user: 'root', host: `192.168.56.${10 + i}`, port: 22}, podCIDR: `10.244.${i - 1}.0/24`, iface: 'eth0', address: `192.168.56.${10 + i}`, mtu: 1500, ready: true, joinedAt: T}
  }
  for (let i = 0; i < 20; i++) {
    const node = `node${(i % 3) + 1}`
    s.pods[`shop/web${i}`] = {namespace: 'shop', name: `web${i}`, uid: `u${i}`, node, network: 'pod', ip: `10.244.${i % 3}.${10 + i}`, labels: {app: `web${i % 10}`}, spec: {containers: [], restartPolicy: 'Always', hostNetwork: false}, phase: 'Running', containers: [], createdAt: T}
  }
  for (let i = 0; i < 10; i++) {
    s.services[`default/web${i}`] = {namespace: 'default', name: `web${i}`, uid: `s${i}`, type: 'ClusterIP', clusterIP: `10.96.0.${20 + i}`, ports: [{protocol: 'TCP', port: 80, targetPort: 80}], selector: {app: `web${i}`}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: T}
  }
  return s
}

const CASES = [['--version'], ['--help'], ['pod', 'list'], ['svc', 'get', 'web3']]

export async function run(): Promise<BenchResult> {
  const runs = Number(process.env.MK8S_BENCH_RUNS ?? 15)
  const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-cli-'))
  try {
    const state = join(dir, 'state.json')
    writeFileSync(state, JSON.stringify(smallCluster(), null, 2) + '\n')
    const env = {...process.env, MK8S_STATE: state, NO_COLOR: '1'}
    runProcess(['node', join(ROOT, 'scripts/package.mjs'), '--out', dir])
    const ways = [
      {label: 'bin/run.js', argv: ['node', join(ROOT, 'bin/run.js')], env, cases: CASES},
      {label: 'bin/run.js, MK8S_UNBUNDLED=1', argv: ['node', join(ROOT, 'bin/run.js')], env: {...env, MK8S_UNBUNDLED: '1'}, cases: [CASES[0], CASES[2]]},
      {label: 'single file', argv: [join(dir, 'mk8s')], env, cases: CASES},
    ]
    const jobs = [
      {key: 'node -e 0', argv: ['node', '-e', '0'], env},
      ...ways.flatMap((w) => w.cases.map((args) => ({key: `mk8s ${args.join(' ')} (${w.label})`, argv: [...w.argv, ...args], env: w.env}))),
    ]
    const times = new Map<string, number[]>(jobs.map((j) => [j.key, []]))
    const once = (j: (typeof jobs)[number]) => {
      const t0 = process.hrtime.bigint()
      runProcess(j.argv, {env: j.env, cwd: dir})
      return Number(process.hrtime.bigint() - t0) / 1e6
    }
    for (const j of jobs) once(j) // warm-up (and the bundle's code cache)
    for (let i = 0; i < runs; i++) for (const j of jobs) times.get(j.key)!.push(once(j))
    const bare = median(times.get('node -e 0')!)
    const figures: Figure[] = jobs.slice(1).map((j) => ({figure: j.key, mk8s: round(median(times.get(j.key)!)), plain: round(bare), plainTool: 'node -e 0', unit: 'ms'}))
    return {bench: 'cli', runs, figures}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if (isMain(import.meta.url)) {
  const r = await run()
  for (const f of r.figures!) console.log(`${f.figure}: ${f.mk8s} ms vs ${f.plainTool} ${f.plain} ms (x${round(f.mk8s / f.plain!, 2)})`)
}
