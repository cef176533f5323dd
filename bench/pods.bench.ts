/**
 * Pod start: from `mk8s pod run` (pause + one app container, image present) to the pod answering
 * HTTP on its own IP, beside a plain `docker run` of the same image and server on the same host,
 * answering on the host's network, in the same run. Median and p99 over 20 of each, on a cluster
 * of three nodes with 20 pods and 10 services already there; each measured pod joins one of those
 * services (its endpoints change on every node). Each pod run writes its steps (MK8S_TIMING=1):
 * the median per part shows where the time goes.
 *
 *   npm run build && npx tsx bench/pods.bench.ts      (takes the lab lock)
 */
import {execa} from 'execa'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {Host} from '../src/lib/host/host.js'
import {installLabSshOptions} from '../src/lib/lab/ssh.js'
import {round, type BenchResult} from './lib/figures.js'
import {breakdown, medianOf, type Breakdown} from './lib/timing.js'
import {isMain, withLabLock} from './lab.js'

export const needsLab = true

const CLI = resolve(import.meta.dirname, '../bin/run.js')
const N = Number(process.env.MK8S_BENCH_PODS ?? 20)
const NODE = {name: 'node1', address: '192.168.56.11'}
const NODES = [NODE, {name: 'node2', address: '192.168.56.12'}, {name: 'node3', address: '192.168.56.13'}]
/** The 10 services there, each selecting app=bg<i>; 20 pods two per service, spread over the nodes. */
const SERVICES = 10
const PODS_THERE = 20
const manifest = Array.from({length: SERVICES}, (_, i) => `apiVersion: v1\nkind: Service\nmetadata: {name: bg${i}}\nspec: {selector: {app: bg${i}}, ports: [{port: 80}]}\n`).join('---\n')

const WAIT = 'for i in $(seq 1000); do wget -qO- "http://$1" >/dev/null 2>&1 && exit 0; sleep 0.01; done; exit 1'

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]
}

export async function run(): Promise<BenchResult> {
  return withLabLock(async () => {
    const up = await execa('node', [CLI, 'lab', 'up', '--nodes', '3'], {reject: false, all: true})
    if (up.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${up.all}`)
    installLabSshOptions()
    const host = new Host(NODE.name, {kind: 'ssh', user: 'root', host: NODE.address, port: 22})
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-pods-'))
    const env = {MK8S_STATE: join(dir, 'state.json'), NO_COLOR: '1'}
    const mk8s = async (args: string[], input?: string) => {
      const r = await execa('node', [CLI, ...args], {env, reject: false, ...(input === undefined ? {} : {input})})
      if (r.exitCode !== 0) throw new Error(`mk8s ${args.join(' ')}: ${r.stderr}`)
      return r.stdout
    }
    const waitFor = async (target: string) => {
      const r = await host.run(['sh', '-c', WAIT, 'sh', target])
      if (r.code !== 0) throw new Error(`nothing answered at ${target}`)
    }
    const podTimes: number[] = []
    const dockerTimes: number[] = []
    const parts: Breakdown[] = []
    let trace: string[] = []
    try {
      await mk8s(['cluster', 'init'])
      for (const n of NODES) await mk8s(['node', 'join', n.name, '--ssh', `root@${n.address}`])
      await mk8s(['apply', '-f', '-'], manifest)
      for (let i = 0; i < PODS_THERE; i++) {
        await mk8s(['pod', 'run', `bg${i}`, '--image', 'mk8s/busybox', '-l', `app=bg${i % SERVICES}`, '--node', NODES[i % NODES.length].name, '--', 'httpd', '-f', '-p', '80', '-h', '/etc'])
      }
      for (let i = 0; i < N; i++) {
        let t0 = performance.now()
        const r = await execa('node', [CLI, 'pod', 'run', `bench${i}`, '--image', 'mk8s/busybox', '-l', `app=bg${i % SERVICES}`, '--node', NODE.name, '-o', 'json', '--', 'httpd', '-f', '-p', '80', '-h', '/etc'], {env: {...env, MK8S_TIMING: '1'}, reject: false})
        if (r.exitCode !== 0) throw new Error(`mk8s pod run bench${i}: ${r.stderr}`)
        const ran = performance.now() - t0
        const pod = JSON.parse(r.stdout)
        await waitFor(`${pod.status.podIP}:80/passwd`)
        podTimes.push(performance.now() - t0)
        parts.push({...breakdown(r.stderr, ran), answering: round(performance.now() - t0 - ran, 1)} as Breakdown)
        trace = r.stderr.split('\n').filter((l) => l.startsWith('[mk8s] timing ')).map((l) => l.slice(14))
        const port = 20000 + i
        t0 = performance.now()
        const d = await host.run(['docker', 'run', '-d', '--name', `bench-plain-${i}`, '--network', 'host', 'mk8s/busybox', 'httpd', '-f', '-p', `${NODE.address}:${port}`, '-h', '/etc'])
        if (d.code !== 0) throw new Error(`docker run: ${d.stderr}`)
        await waitFor(`${NODE.address}:${port}/passwd`)
        dockerTimes.push(performance.now() - t0)
      }
    } finally {
      await host.run(['sh', '-c', 'ids=$(docker ps -aq --filter name=bench-plain-); [ -z "$ids" ] || docker rm -f $ids >/dev/null'])
      await execa('node', [CLI, 'cluster', 'reset', '--force'], {env, reject: false})
      rmSync(dir, {recursive: true, force: true})
    }
    const fig = (figure: string, q: number) => ({
      figure,
      mk8s: round(quantile(podTimes, q), 0),
      plain: round(quantile(dockerTimes, q), 0),
      plainTool: 'docker run -d (host network) over the same SSH',
      unit: 'ms',
    })
    const where = medianOf(parts) as Breakdown & {answering: number}
    return {
      pods: N,
      figures: [fig(`pod run to answering on its IP, median of ${N}`, 0.5), fig(`pod run to answering on its IP, p99 of ${N}`, 0.99)],
      notes: [
        `Three nodes, ${PODS_THERE} pods and ${SERVICES} services there; each measured pod runs on ${NODE.name} and joins a service. Where a pod run's time goes (medians over ${N}, ms): the command ${where.total} = CLI start ${where.cliStart}, Docker API ${where.docker} (one connection over SSH, opened during the reservation: connect, pause container, app container, close), node scripts ${where.scripts} (wall time: the wiring on its node and the endpoints on every node, at once, through SSH sessions opened when the command began; the app container waits for its own node's only), state file read ${where.stateRead} and write ${where.stateWrite}, locks ${where.locks}, the rest ${where.rest}; then ${where.answering} until it answers on its IP.`,
      ],
      whereTheTimeGoes: where,
      lastRunSteps: trace,
      podMs: podTimes.map((t) => round(t, 0)),
      dockerMs: dockerTimes.map((t) => round(t, 0)),
    }
  })
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
