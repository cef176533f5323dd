/**
 * SSH round trips per command, counted on the lab: with MK8S_DEBUG=1 the executor prints one
 * "[mk8s] round trip to HOST" line per round trip on stderr. The goal is one round trip per host
 * per operation; each figure is the count beside that goal.
 *
 *   npm run build && npx tsx bench/roundtrips.bench.ts      (takes the lab lock)
 */
import {execa} from 'execa'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {BenchResult, Figure} from './lib/figures.js'
import {isMain, withLabLock} from './lab.js'

export const needsLab = true

const CLI = resolve(import.meta.dirname, '../bin/run.js')
const NODES = ['node1', 'node2', 'node3']

/** Run mk8s with MK8S_DEBUG=1; the round trips it made, per host. */
async function counted(state: string, args: string[], input?: string): Promise<Map<string, number>> {
  const r = await execa('node', [CLI, ...args], {env: {MK8S_STATE: state, MK8S_DEBUG: '1', NO_COLOR: '1'}, reject: false, ...(input === undefined ? {} : {input})})
  if (r.exitCode !== 0) throw new Error(`mk8s ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`)
  const per = new Map<string, number>()
  for (const m of r.stderr.matchAll(/^\[mk8s\] round trip to (\S+)/gm)) per.set(m[1], (per.get(m[1]) ?? 0) + 1)
  return per
}

/** n Services selecting the web pod, as one YAML stream. */
const manifest = (n: number, prefix: string) =>
  Array.from({length: n}, (_, i) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${prefix}${i}}\nspec: {selector: {app: web}, ports: [{port: ${1000 + i}, targetPort: 80}]}\n`).join('---\n')

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)

export async function run(): Promise<BenchResult> {
  return withLabLock(async () => {
    const up = await execa('node', [CLI, 'lab', 'up', '--nodes', '3'], {reject: false, all: true})
    if (up.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${up.all}`)
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-rt-'))
    const state = join(dir, 'state.json')
    const figures: Figure[] = []
    /** One command: its round trips (per host in the label) beside the goal of one per host per operation. */
    const measure = async (figure: string, args: string[], goal: (hosts: number) => number, plainTool = 'one per host touched', input?: string) => {
      const per = await counted(state, args, input)
      const hosts = [...per].map(([h, n]) => `${h} ${n}`).join(', ')
      figures.push({figure: `${figure} [${hosts}]`, mk8s: total(per), plain: goal(per.size), plainTool, unit: 'round trips'})
    }
    try {
      await counted(state, ['cluster', 'init'])
      for (const [i, n] of NODES.entries()) {
        // a join reads the new node first (preflight), then sets it up and tells the nodes already there
        await measure(`node join ${n} (${i} nodes there)`, ['node', 'join', n, '--ssh', `root@192.168.56.1${i + 1}`], (h) => h + 1, 'preflight + one per host touched')
      }
      await measure('node list (3 nodes)', ['node', 'list'], () => NODES.length)
      // pods: the Docker API on the pod's node, then one script there; one to each other node only where something changes (DNS records)
      await measure('pod run web on node2', ['pod', 'run', 'web', '--image', 'mk8s/busybox', '--node', 'node2', '-l', 'app=web', '--', 'httpd', '-f', '-p', '80', '-h', '/etc'], (h) => h, 'one script per node touched (+ Docker API)')
      await measure('svc expose pod/web', ['svc', 'expose', 'pod/web', '--port', '80'], (h) => h)
      await measure('apply -f: 2 Services', ['apply', '-f', '-'], (h) => h, 'one per host touched', manifest(2, 'two'))
      await measure('apply -f: 200 Services', ['apply', '-f', '-'], (h) => h, 'one per host touched', manifest(200, 'many'))
      await measure('svc delete web', ['svc', 'delete', 'web'], (h) => h)
      await measure('pod delete web', ['pod', 'delete', 'web'], (h) => h, 'one script per node touched (+ Docker API)')
      await measure('node repair node3', ['node', 'repair', 'node3'], () => 1, 'one script to the node')
      await measure('netns add red', ['netns', 'add', 'red', '--node', 'node1'], () => 1)
      await measure('netns del red', ['netns', 'del', 'red', '--node', 'node1'], () => 1)
      await measure('cluster status (3 nodes)', ['cluster', 'status'], () => NODES.length)
      return {bench: 'roundtrips', figures}
    } finally {
      await execa('node', [CLI, 'cluster', 'reset', '--force'], {env: {MK8S_STATE: state}, reject: false})
      rmSync(dir, {recursive: true, force: true})
      if (process.env.MK8S_KEEP_LAB !== '1') await execa('node', [CLI, 'lab', 'down'], {reject: false})
    }
  })
}

if (isMain(import.meta.url)) {
  const r = await run()
  for (const f of r.figures!) console.log(`${f.figure}: ${f.mk8s} round trips (goal ${f.plain})`)
}
