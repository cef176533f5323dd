/**
 * The pipeline at scale, on the lab's three nodes: `apply -f` of 1000 Services (one state write,
 * one script per node) beside `svc sync --full` of the same 1000 (the whole ruleset rewritten on
 * every node); 20 `pod run` at once beside the same 20 one after another.
 *
 *   npm run build && npx tsx bench/pipeline.bench.ts      (takes the lab lock)
 */
import {execa} from 'execa'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {round, type BenchResult, type Figure} from './lib/figures.js'
import {isMain, withLabLock} from './lab.js'

export const needsLab = true

const CLI = resolve(import.meta.dirname, '../bin/run.js')

export async function run(): Promise<BenchResult> {
  return withLabLock(async () => {
    const up = await execa('node', [CLI, 'lab', 'up', '--nodes', '3'], {reject: false, all: true})
    if (up.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${up.all}`)
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-pipeline-'))
    const env = {MK8S_STATE: join(dir, 'state.json'), NO_COLOR: '1'}
    const mk8s = async (args: string[], input?: string) => {
      const r = await execa('node', [CLI, ...args], {env, reject: false, ...(input === undefined ? {} : {input})})
      if (r.exitCode !== 0) throw new Error(`mk8s ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`)
      return r.stdout
    }
    const timed = async (fn: () => Promise<unknown>) => {
      const t = performance.now()
      await fn()
      return performance.now() - t
    }
    const figures: Figure[] = []
    try {
      await mk8s(['cluster', 'init'])
      for (const [i, n] of ['node1', 'node2', 'node3'].entries()) await mk8s(['node', 'join', n, '--ssh', `root@192.168.56.1${i + 1}`])
      await mk8s(['pod', 'run', 'web', '--image', 'mk8s/busybox', '--node', 'node2', '-l', 'app=web', '--', 'httpd', '-f', '-p', '80', '-h', '/etc'])
      const yaml = Array.from({length: 1000}, (_, i) => `apiVersion: v1\nkind: Service\nmetadata: {name: s${i}}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n`).join('---\n')
      const apply = await timed(() => mk8s(['apply', '-f', '-'], yaml))
      const sync = await timed(() => mk8s(['svc', 'sync', '--full']))
      figures.push({figure: 'apply -f of 1000 Services, 3 nodes (whole command)', mk8s: round(apply / 1000, 2), plain: round(sync / 1000, 2), plainTool: 'svc sync --full of the same 1000 on the 3 nodes', unit: 's'})
      await mk8s(['delete', '-f', '-'], yaml)

      const names = Array.from({length: 20}, (_, i) => `p${i}`)
      const podRun = (n: string) => mk8s(['pod', 'run', n, '--image', 'mk8s/busybox', '--', 'sleep', '3600'])
      const deleteAll = () => Promise.all(names.map((n) => mk8s(['pod', 'delete', n])))
      const serial = await timed(async () => {
        for (const n of names) await podRun(n)
      })
      await deleteAll()
      const parallel = await timed(() => Promise.all(names.map(podRun)))
      await deleteAll()
      figures.push({figure: '20 pod run at once, 3 nodes', mk8s: round(parallel / 1000, 2), plain: round(serial / 1000, 2), plainTool: 'the same 20 one after another', unit: 's'})
      return {bench: 'pipeline', figures}
    } finally {
      await execa('node', [CLI, 'cluster', 'reset', '--force'], {env, reject: false})
      rmSync(dir, {recursive: true, force: true})
      if (process.env.MK8S_KEEP_LAB !== '1') await execa('node', [CLI, 'lab', 'down'], {reject: false})
    }
  })
}

if (isMain(import.meta.url)) {
  const r = await run()
  for (const f of r.figures!) console.log(`${f.figure}: ${f.mk8s} ${f.unit} (${f.plainTool}: ${f.plain} ${f.unit})`)
}
