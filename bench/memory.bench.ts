/**
 * Memory: the peak resident set of the mk8s process (GNU time's maximum RSS, of bin/run.js) for
 * `apply -f` of 1000 services and for one `svc expose` when 5000 services exist, on a lab node
 * (iptables mode, every service programmed on the node for real), beside `node -e 0`. The goal
 * is under 150 MB each.
 *
 *   npm run build && npx tsx bench/memory.bench.ts     (takes the lab lock)
 */
import {execa} from 'execa'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {round, type BenchResult, type Figure} from './lib/figures.js'
import {isMain, withLabLock} from './lab.js'
import {servicesYaml} from './lib/manifests.js'

export const needsLab = true

const CLI = resolve(import.meta.dirname, '../bin/run.js')
const NODE = {name: 'node1', address: '192.168.56.11'}
export const GOAL_MB = 150


/** Run argv under GNU time: its peak RSS in MB and how long it took. */
async function peak(argv: string[], env: Record<string, string>): Promise<{mb: number; seconds: number; stdout: string}> {
  const t0 = performance.now()
  const r = await execa('/usr/bin/time', ['-f', 'maxrss=%M', ...argv], {env, reject: false})
  if (r.exitCode !== 0) throw new Error(`${argv.slice(1).join(' ')} exited ${r.exitCode}: ${r.stderr}`)
  const kb = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1])
  if (!kb) throw new Error(`no peak RSS from GNU time: ${r.stderr}`)
  return {mb: round(kb / 1024), seconds: round((performance.now() - t0) / 1000, 2), stdout: r.stdout}
}

export async function run(): Promise<BenchResult> {
  return withLabLock(async () => {
    const up = await execa('node', [CLI, 'lab', 'up', '--nodes', '1'], {reject: false, all: true})
    if (up.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${up.all}`)
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-mem-'))
    const env = {MK8S_STATE: join(dir, 'state.json'), NO_COLOR: '1'}
    const mk8s = (args: string[]) => peak(['node', CLI, ...args], env)
    try {
      const bare = await peak(['node', '-e', '0'], env)
      await mk8s(['cluster', 'init'])
      await mk8s(['node', 'join', NODE.name, '--ssh', `root@${NODE.address}`])
      await mk8s(['pod', 'run', 'web', '--image', 'mk8s/busybox', '-l', 'app=web', '--node', NODE.name, '--', 'httpd', '-f', '-p', '80', '-h', '/etc'])
      writeFileSync(join(dir, 'a.yaml'), servicesYaml(0, 1000))
      writeFileSync(join(dir, 'b.yaml'), servicesYaml(1000, 5000))
      const apply1000 = await mk8s(['apply', '-f', join(dir, 'a.yaml')])
      const apply4000 = await mk8s(['apply', '-f', join(dir, 'b.yaml')])
      const expose = await mk8s(['svc', 'expose', 'pod/web', '--port', '8080', '--target-port', '80', '--name', 'one-more'])
      const list = JSON.parse((await mk8s(['svc', 'list', '-o', 'json'])).stdout) as {items: unknown[]}
      if (list.items.length < 5001) throw new Error(`${list.items.length} services in the state, where 5001 were made`)
      const plainTool = 'node -e 0'
      const figures: Figure[] = [
        {figure: `peak RSS, apply -f of 1000 services (goal < ${GOAL_MB} MB)`, mk8s: apply1000.mb, plain: bare.mb, plainTool, unit: 'MB'},
        {figure: `peak RSS, apply -f of 4000 more services, 1000 there`, mk8s: apply4000.mb, plain: bare.mb, plainTool, unit: 'MB'},
        {figure: `peak RSS, svc expose when 5000 services exist (goal < ${GOAL_MB} MB)`, mk8s: expose.mb, plain: bare.mb, plainTool, unit: 'MB'},
      ]
      return {
        bench: 'memory',
        figures,
        seconds: {apply1000: apply1000.seconds, apply4000: apply4000.seconds, exposeAt5000: expose.seconds},
        withinGoal: apply1000.mb < GOAL_MB && expose.mb < GOAL_MB,
        notes: [
          `Peak RSS of the mk8s process (GNU time, maximum resident set size of bin/run.js), on lab node1 in iptables mode, every service programmed there for real. Goal: under ${GOAL_MB} MB for apply -f of 1000 services (${apply1000.mb} MB: ${apply1000.mb < GOAL_MB ? 'met' : 'missed'}) and svc expose at 5000 (${expose.mb} MB: ${expose.mb < GOAL_MB ? 'met' : 'missed'}).`,
        ],
      }
    } finally {
      await execa('node', [CLI, 'cluster', 'reset', '--force'], {env, reject: false})
      if (process.env.MK8S_KEEP_LAB !== '1') await execa('node', [CLI, 'lab', 'down'], {reject: false})
      rmSync(dir, {recursive: true, force: true})
    }
  })
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
