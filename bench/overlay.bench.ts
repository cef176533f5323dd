/**
 * Overlay throughput in the lab, both backends in one run: iperf3 pod to pod across nodes beside
 * host to host over the underlay, and pod to pod on one node beside a bare veth pair (mk8s netns
 * link). Pods are real (pause containers wired by mk8s); iperf3 is not in the lab's busybox image,
 * so the host's iperf3 runs inside each pod's network namespace. Ratios go to bench/out/overlay.json.
 *
 *   npm run bench -- overlay, or npm run build && npx tsx bench/overlay.bench.ts
 *   (takes the lab lock; MK8S_BENCH_SECONDS=3)
 */
import {execa} from 'execa'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {Host} from '../src/lib/host/host.js'
import {labNode} from '../src/lib/lab/config.js'
import {installLabSshOptions} from '../src/lib/lab/ssh.js'
import {pauseName} from '../src/lib/pod/plan.js'
import {round, type BenchResult, type Figure} from './lib/figures.js'
import {isMain, withLabLock} from './lab.js'

export const needsLab = true

const CLI = resolve('bin/run.js')
const NODES = ['node1', 'node2'] as const
const address = (node: string) => labNode(Number(node.replace('node', ''))).address
const VETH = {a: 'bench-a', b: 'bench-b', cidr: '10.250.0.0/30', server: '10.250.0.2'}

const runOn = (node: string, argv: string[]) => {
  installLabSshOptions()
  return new Host(node, {kind: 'ssh', user: 'root', host: address(node), port: 22}).run(argv)
}

async function mk8s(state: string, args: string[]): Promise<string> {
  const r = await execa('node', [CLI, ...args], {env: {MK8S_STATE: state, NO_COLOR: '1'}, reject: false})
  if (r.exitCode !== 0) throw new Error(`mk8s ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`)
  return r.stdout
}

/** iperf3 from `client` (argv prefix on node `from`) to a one-off server started on `to` with `server` prefix. */
async function iperf(from: string, client: string[], to: string, server: string[], target: string, seconds: number): Promise<number> {
  const s = await runOn(to, [...server, 'iperf3', '-s', '-1', '-D', '-B', target])
  if (s.code !== 0) throw new Error(`iperf3 server on ${to}: ${s.stderr}`)
  // the daemon listens a moment after it forks: retry the connect briefly
  const retry = 'for i in $(seq 50); do out=$("$@" 2>&1) && { printf "%s" "$out"; exit 0; }; sleep 0.1; done; printf "%s" "$out" >&2; exit 1'
  const r = await runOn(from, ['sh', '-c', retry, 'sh', ...client, 'iperf3', '-c', target, '-t', String(seconds), '-J'])
  if (r.code !== 0) throw new Error(`iperf3 ${from} -> ${target}: ${r.stderr}`)
  return (JSON.parse(r.stdout) as {end: {sum_received: {bits_per_second: number}}}).end.sum_received.bits_per_second / 1e9
}

/** A pause-only pod on `node`: its address and the argv prefix that enters its network namespace. */
async function benchPod(state: string, name: string, node: string): Promise<{ip: string; enter: string[]}> {
  const pod = JSON.parse(await mk8s(state, ['pod', 'run', name, '--image', 'mk8s/pause', '--node', node, '-o', 'json']))
  const pid = await runOn(node, ['docker', 'inspect', '-f', '{{.State.Pid}}', pauseName({namespace: 'default', name})])
  if (pid.code !== 0) throw new Error(`pod ${name} on ${node}: ${pid.stderr}`)
  return {ip: pod.status.podIP, enter: ['nsenter', '-t', pid.stdout.trim(), '-n']}
}

async function measure(backend: 'vxlan' | 'host-gw', seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-'))
  const state = join(dir, 'state.json')
  try {
    await mk8s(state, ['cluster', 'init', '--backend', backend])
    for (const n of NODES) await mk8s(state, ['node', 'join', n, '--ssh', `root@${address(n)}`])
    const pods = {a: await benchPod(state, 'iperf-a', 'node1'), b: await benchPod(state, 'iperf-b', 'node1'), c: await benchPod(state, 'iperf-c', 'node2')}
    for (const ns of [VETH.a, VETH.b]) await mk8s(state, ['netns', 'add', ns, '--node', 'node1'])
    await mk8s(state, ['netns', 'link', VETH.a, VETH.b, '--cidr', VETH.cidr, '--node', 'node1'])
    const podCross = await iperf('node1', pods.a.enter, 'node2', pods.c.enter, pods.c.ip, seconds)
    const hostCross = await iperf('node1', [], 'node2', [], address('node2'), seconds)
    const podSame = await iperf('node1', pods.a.enter, 'node1', pods.b.enter, pods.b.ip, seconds)
    const veth = await iperf('node1', ['ip', 'netns', 'exec', VETH.a], 'node1', ['ip', 'netns', 'exec', VETH.b], VETH.server, seconds)
    return {
      podToPodAcrossNodesGbps: round(podCross, 2),
      hostToHostGbps: round(hostCross, 2),
      acrossNodesRatio: round(podCross / hostCross, 3),
      podToPodSameNodeGbps: round(podSame, 2),
      bareVethGbps: round(veth, 2),
      sameNodeRatio: round(podSame / veth, 3),
    }
  } finally {
    // reset deletes the pods and the namespaces with the nodes
    await execa('node', [CLI, 'cluster', 'reset', '--force'], {env: {MK8S_STATE: state}, reject: false})
    rmSync(dir, {recursive: true, force: true})
  }
}

/** Each pod figure beside the plain path doing the same job, for RESULTS.md. */
function figuresOf(backend: string, m: Awaited<ReturnType<typeof measure>>): Figure[] {
  return [
    {figure: `${backend}: iperf3 pod to pod across nodes`, mk8s: m.podToPodAcrossNodesGbps, plain: m.hostToHostGbps, plainTool: 'host to host over the underlay', unit: 'Gbit/s'},
    {figure: `${backend}: iperf3 pod to pod on one node`, mk8s: m.podToPodSameNodeGbps, plain: m.bareVethGbps, plainTool: 'a bare veth pair', unit: 'Gbit/s'},
  ]
}

export async function run(): Promise<BenchResult> {
  const seconds = Number(process.env.MK8S_BENCH_SECONDS ?? 3)
  return withLabLock(async () => {
    const up = await execa('node', [CLI, 'lab', 'up', '--nodes', '2'], {reject: false, all: true})
    if (up.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${up.all}`)
    try {
      const vxlan = await measure('vxlan', seconds)
      const hostGw = await measure('host-gw', seconds)
      const result = {
        bench: 'overlay',
        tool: 'iperf3',
        seconds,
        date: new Date().toISOString(),
        vxlan,
        'host-gw': hostGw,
        figures: [...figuresOf('vxlan', vxlan), ...figuresOf('host-gw', hostGw)],
      }
      mkdirSync('bench/out', {recursive: true})
      writeFileSync('bench/out/overlay.json', JSON.stringify(result, null, 2) + '\n')
      return result
    } finally {
      if (process.env.MK8S_KEEP_LAB !== '1') await execa('node', [CLI, 'lab', 'down'], {reject: false})
    }
  })
}

function print(r: Record<string, any>): void {
  for (const b of ['vxlan', 'host-gw']) {
    const x = r[b]
    console.log(`${b.padEnd(8)} pod->pod across nodes ${x.podToPodAcrossNodesGbps} Gbit/s vs host->host ${x.hostToHostGbps} Gbit/s: ratio ${x.acrossNodesRatio}`)
    console.log(`${''.padEnd(8)} pod->pod on one node  ${x.podToPodSameNodeGbps} Gbit/s vs bare veth ${x.bareVethGbps} Gbit/s: ratio ${x.sameNodeRatio}`)
  }
  console.log('written to bench/out/overlay.json')
}

if (isMain(import.meta.url)) {
  run().then(print, (error) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
