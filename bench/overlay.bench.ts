/**
 * Overlay throughput in the lab, with iperf3 (the host's, run inside each pod's network namespace:
 * the lab's busybox image has none). Both backends in one run.
 *
 * vxlan: pod to pod across nodes over mk8s's flannel.1, beside the same path built by hand on the
 * same hosts with flannel's own settings (a namespace per host on a veth into a bridge, a VXLAN
 * device `vxlan.42`: VNI 42, UDP 4789, nolearning, MTU underlay-50, kernel defaults otherwise; one
 * route, one ARP and one FDB entry per peer), and host to host over the underlay. Each figure is
 * the median of MK8S_BENCH_RUNS (5) runs of MK8S_BENCH_SECONDS (10) s, the three interleaved.
 * Then a study of the settings, each variant the median of 3 runs of 5 s (MK8S_BENCH_STUDY=0
 * leaves it out): on the hand-made path what is fixed when a device is made (outer UDP checksums)
 * and the VTEP's tx checksum offload; on mk8s's own devices as they run, GRO on the pod veths, on
 * flannel.1 and on the underlay interface.
 * host-gw: pod to pod across nodes beside host to host, pod to pod on one node beside a bare veth
 * pair (mk8s netns link).
 *
 *   npm run bench -- overlay, or npm run build && npx tsx bench/overlay.bench.ts   (takes the lab lock)
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
import {median} from './lib/measure.js'
import {isMain, withLabLock} from './lab.js'

export const needsLab = true

const CLI = resolve('bin/run.js')
const NODES = ['node1', 'node2'] as const
const address = (node: string) => labNode(Number(node.replace('node', ''))).address
const VETH = {a: 'bench-a', b: 'bench-b', cidr: '10.250.0.0/30', server: '10.250.0.2'}

const host = (node: string) => {
  installLabSshOptions()
  return new Host(node, {kind: 'ssh', user: 'root', host: address(node), port: 22})
}
const runOn = (node: string, argv: string[]) => host(node).run(argv)

async function must(node: string, argv: string[]): Promise<string> {
  const r = await runOn(node, argv)
  if (r.code !== 0) throw new Error(`${node}: ${argv.slice(0, 3).join(' ')}... exited ${r.code}: ${r.stderr}`)
  return r.stdout
}

async function mk8s(state: string, args: string[]): Promise<string> {
  const r = await execa('node', [CLI, ...args], {env: {MK8S_STATE: state, NO_COLOR: '1'}, reject: false})
  if (r.exitCode !== 0) throw new Error(`mk8s ${args.join(' ')} exited ${r.exitCode}: ${r.stderr}`)
  return r.stdout
}

/** One iperf3 run from `client` (argv prefix on node `from`) to a one-off server on `to` (prefix `server`), in Gbit/s. */
async function iperfOnce(from: string, client: string[], to: string, server: string[], target: string, seconds: number): Promise<number> {
  await must(to, [...server, 'iperf3', '-s', '-1', '-D', '-B', target])
  // the daemon listens a moment after it forks: retry the connect briefly
  const retry = 'for i in $(seq 50); do out=$("$@" 2>&1) && { printf "%s" "$out"; exit 0; }; sleep 0.1; done; printf "%s" "$out" >&2; exit 1'
  const out = await must(from, ['sh', '-c', retry, 'sh', ...client, 'iperf3', '-c', target, '-t', String(seconds), '-J'])
  return (JSON.parse(out) as {end: {sum_received: {bits_per_second: number}}}).end.sum_received.bits_per_second / 1e9
}

interface Runs {
  gbps: number
  runs: number[]
}

/** The median of `runs` iperf3 runs. */
async function iperf(from: string, client: string[], to: string, server: string[], target: string, seconds: number, runs: number): Promise<Runs> {
  const all: number[] = []
  for (let i = 0; i < runs; i++) all.push(round(await iperfOnce(from, client, to, server, target, seconds), 2))
  return {gbps: round(median(all), 2), runs: all}
}

/** A pause-only pod on `node`: its address and the argv prefix that enters its network namespace. */
async function benchPod(state: string, name: string, node: string): Promise<{ip: string; enter: string[]}> {
  const pod = JSON.parse(await mk8s(state, ['pod', 'run', name, '--image', 'mk8s/pause', '--node', node, '-o', 'json']))
  const pid = await must(node, ['docker', 'inspect', '-f', '{{.State.Pid}}', pauseName({namespace: 'default', name})])
  return {ip: pod.status.podIP, enter: ['nsenter', '-t', pid.trim(), '-n']}
}

/** The hand-made path's settings; `flannel` is what flannel itself sets. */
interface HandSettings {
  /** outer UDP checksums on the VTEP (flannel: the kernel's default, none for IPv4) */
  udpcsum: boolean
  /** GRO on both ends of the pod veth (off by default on a veth) */
  vethGro: boolean
  /** the VTEP's tx checksum offload (on by default) */
  vtepTxCsum: boolean
  /** GRO on the VTEP (on by default) */
  vtepGro: boolean
  /** GRO on the underlay interface (the lab's veth: off by default) */
  underlayGro: boolean
}

const FLANNEL: HandSettings = {udpcsum: false, vethGro: false, vtepTxCsum: true, vtepGro: true, underlayGro: false}

const HAND = {dev: 'vxlan.42', vni: 42, port: 4789, bridge: 'hbr0', ns: 'hpod', veth: 'hveth0', overhead: 50}
const handNet = (i: number) => ({vtep: `10.251.${i}.0`, gw: `10.251.${i}.1`, pod: `10.251.${i}.2`, cidr: `10.251.${i}.0/24`, mac: `0e:00:00:00:2a:0${i}`})

/**
 * The hand-made path on node i (1 or 2) towards its peer j, as one shell script: flannel's way,
 * typed out. `iface` is the underlay interface, `mtu` its MTU.
 */
function handScript(i: number, j: number, iface: string, mtu: number, s: HandSettings): string {
  const me = handNet(i)
  const peer = handNet(j)
  const vmtu = mtu - HAND.overhead
  const onoff = (b: boolean) => (b ? 'on' : 'off')
  return [
    'set -e',
    `ip link del ${HAND.dev} 2>/dev/null || true`,
    `ip link del ${HAND.bridge} 2>/dev/null || true`,
    `ip netns del ${HAND.ns} 2>/dev/null || true`,
    `ip link add ${HAND.dev} address ${me.mac} mtu ${vmtu} type vxlan id ${HAND.vni} local ${address(`node${i}`)} dev ${iface} dstport ${HAND.port} nolearning ${s.udpcsum ? 'udpcsum' : 'noudpcsum'}`,
    `ip addr add ${me.vtep}/32 dev ${HAND.dev}`,
    `ip link set ${HAND.dev} up`,
    `ethtool -K ${HAND.dev} tx-checksum-ip-generic ${onoff(s.vtepTxCsum)} gro ${onoff(s.vtepGro)} >/dev/null`,
    `ethtool -K ${iface} gro ${onoff(s.underlayGro)} >/dev/null`,
    `ip route replace ${peer.cidr} via ${peer.vtep} dev ${HAND.dev} onlink`,
    `ip neigh replace ${peer.vtep} lladdr ${peer.mac} dev ${HAND.dev} nud permanent`,
    `bridge fdb replace ${peer.mac} dev ${HAND.dev} dst ${address(`node${j}`)}`,
    `ip link add ${HAND.bridge} mtu ${vmtu} type bridge`,
    `ip addr add ${me.gw}/24 dev ${HAND.bridge}`,
    `ip link set ${HAND.bridge} up`,
    `ip netns add ${HAND.ns}`,
    `ip link add ${HAND.veth} mtu ${vmtu} type veth peer name eth0 mtu ${vmtu} netns ${HAND.ns}`,
    `ip link set ${HAND.veth} master ${HAND.bridge} up`,
    `ip -n ${HAND.ns} addr add ${me.pod}/24 dev eth0`,
    `ip -n ${HAND.ns} link set eth0 up`,
    `ip -n ${HAND.ns} link set lo up`,
    `ip -n ${HAND.ns} route add default via ${me.gw}`,
    `ethtool -K ${HAND.veth} gro ${onoff(s.vethGro)} >/dev/null`,
    `ip netns exec ${HAND.ns} ethtool -K eth0 gro ${onoff(s.vethGro)} >/dev/null`,
    // the pod network's own FORWARD rules are mk8s's; these are the hand path's
    `iptables -C FORWARD -s 10.251.0.0/16 -j ACCEPT 2>/dev/null || iptables -I FORWARD -s 10.251.0.0/16 -j ACCEPT`,
    `iptables -C FORWARD -d 10.251.0.0/16 -j ACCEPT 2>/dev/null || iptables -I FORWARD -d 10.251.0.0/16 -j ACCEPT`,
  ].join('\n')
}

const handCleanup = (iface: string) =>
  [
    `ip link del ${HAND.dev} 2>/dev/null`,
    `ip link del ${HAND.bridge} 2>/dev/null`,
    `ip netns del ${HAND.ns} 2>/dev/null`,
    'iptables -D FORWARD -s 10.251.0.0/16 -j ACCEPT 2>/dev/null',
    'iptables -D FORWARD -d 10.251.0.0/16 -j ACCEPT 2>/dev/null',
    `ethtool -K ${iface} gro off >/dev/null 2>&1`,
    'true',
  ].join('; ')

interface Underlay {
  iface: string
  mtu: number
}

async function underlayOf(node: string): Promise<Underlay> {
  const route = JSON.parse(await must(node, ['ip', '-j', 'route', 'get', address(node === 'node1' ? 'node2' : 'node1')])) as {dev: string}[]
  const link = JSON.parse(await must(node, ['ip', '-j', 'link', 'show', route[0].dev])) as {mtu: number}[]
  return {iface: route[0].dev, mtu: link[0].mtu}
}

/** GRO on mk8s's own devices of a node as they run: the pod veth's two ends (cni0's members), flannel.1; and the underlay's. */
async function setMk8sDevices(node: string, enterPod: string[], iface: string, s: HandSettings): Promise<void> {
  const onoff = (b: boolean) => (b ? 'on' : 'off')
  const script = [
    'set -e',
    `for v in $(ip -j link show master cni0 | jq -r '.[].ifname'); do ethtool -K "$v" gro ${onoff(s.vethGro)} >/dev/null; done`,
    `"$@" ethtool -K eth0 gro ${onoff(s.vethGro)} >/dev/null`,
    `ethtool -K flannel.1 gro ${onoff(s.vtepGro)} >/dev/null`,
    `ethtool -K ${iface} gro ${onoff(s.underlayGro)} >/dev/null`,
  ].join('\n')
  await must(node, ['sh', '-c', script, 'sh', ...enterPod])
}

async function handPath(s: HandSettings, under: Record<string, Underlay>): Promise<void> {
  await Promise.all(NODES.map((n, k) => must(n, ['sh', '-c', handScript(k + 1, 2 - k, under[n].iface, under[n].mtu, s)])))
}

const handIperf = (seconds: number, runs: number) =>
  iperf('node1', ['ip', 'netns', 'exec', HAND.ns], 'node2', ['ip', 'netns', 'exec', HAND.ns], handNet(2).pod, seconds, runs)

/** The settings of mk8s's own devices as the hosts have them (for the record). */
async function mk8sSettings(node: string, vethOfPod: string): Promise<Record<string, string>> {
  const features = async (dev: string, prefix: string[] = []) => {
    const out = await must(node, [...prefix, 'ethtool', '-k', dev])
    const pick = (k: string) => new RegExp(`^${k}: (\\S+)`, 'm').exec(out)?.[1] ?? '?'
    return `gro ${pick('generic-receive-offload')}, gso ${pick('generic-segmentation-offload')}, tso ${pick('tcp-segmentation-offload')}, tx-csum ${pick('tx-checksum-ip-generic')}`
  }
  const d = await must(node, ['ip', '-d', '-j', 'link', 'show', 'flannel.1'])
  const info = (JSON.parse(d) as {mtu: number; linkinfo: {info_data: Record<string, unknown>}}[])[0]
  return {
    'flannel.1': `mtu ${info.mtu}, udp checksums ${info.linkinfo.info_data.udp_csum ? 'on' : 'off'}, ${await features('flannel.1')}`,
    'pod eth0': await features('eth0', vethOfPod.split(' ')),
  }
}

async function vxlan(seconds: number, runs: number, study: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-'))
  const state = join(dir, 'state.json')
  const under: Record<string, Underlay> = {}
  try {
    await mk8s(state, ['cluster', 'init', '--backend', 'vxlan'])
    for (const n of NODES) await mk8s(state, ['node', 'join', n, '--ssh', `root@${address(n)}`])
    for (const n of NODES) under[n] = await underlayOf(n)
    const a = await benchPod(state, 'iperf-a', 'node1')
    const c = await benchPod(state, 'iperf-c', 'node2')
    await handPath(FLANNEL, under)
    const settings = await mk8sSettings('node1', a.enter.join(' '))
    // interleaved, so that drift of the machine falls on all three alike
    const mk8sRuns: number[] = []
    const handRuns: number[] = []
    const hostRuns: number[] = []
    for (let i = 0; i < runs; i++) {
      mk8sRuns.push(...(await iperf('node1', a.enter, 'node2', c.enter, c.ip, seconds, 1)).runs)
      handRuns.push(...(await handIperf(seconds, 1)).runs)
      hostRuns.push(...(await iperf('node1', [], 'node2', [], address('node2'), seconds, 1)).runs)
    }
    const m = {gbps: median(mk8sRuns), runs: mk8sRuns}
    const h = {gbps: median(handRuns), runs: handRuns}
    const u = {gbps: median(hostRuns), runs: hostRuns}
    const variants: {path: 'by hand' | 'mk8s'; settings: Partial<HandSettings>; gbps: number; runs: number[]}[] = []
    let studyError: string | undefined
    if (study) {
      try {
        // what can only be set when the device is made (UDP checksums), or what flannel's users meet (tx checksum off), by hand
        for (const change of [{}, {udpcsum: true}, {vtepTxCsum: false}] as Partial<HandSettings>[]) {
          await handPath({...FLANNEL, ...change}, under)
          variants.push({path: 'by hand', settings: change, ...(await handIperf(5, 3))})
        }
        await handPath(FLANNEL, under)
        // what can be switched on mk8s's own devices as they run: GRO on the pod veths, the VTEP, the underlay
        const pods = {node1: a.enter, node2: c.enter}
        for (const change of [{}, {vethGro: true}, {vtepGro: false}, {underlayGro: true}, {vethGro: true, underlayGro: true}] as Partial<HandSettings>[]) {
          await Promise.all(NODES.map((n) => setMk8sDevices(n, pods[n], under[n].iface, {...FLANNEL, ...change})))
          variants.push({path: 'mk8s', settings: change, ...(await iperf('node1', a.enter, 'node2', c.enter, c.ip, 5, 3))})
        }
        await Promise.all(NODES.map((n) => setMk8sDevices(n, pods[n], under[n].iface, FLANNEL)))
      } catch (error) {
        // the main figures stand without the study
        studyError = (error as Error).message
      }
    }
    return {
      mk8sPodToPodGbps: round(m.gbps, 2),
      handMadeFlannelGbps: round(h.gbps, 2),
      hostToHostGbps: round(u.gbps, 2),
      toHandMadeRatio: round(m.gbps / h.gbps, 3),
      toUnderlayRatio: round(m.gbps / u.gbps, 3),
      runs: {mk8s: m.runs, handMade: h.runs, hostToHost: u.runs},
      mk8sSettings: settings,
      underlay: under.node1,
      study: variants,
      studyError,
    }
  } finally {
    await Promise.all(NODES.map((n) => runOn(n, ['sh', '-c', handCleanup(under[n]?.iface ?? 'eth0')]).catch(() => {})))
    // reset deletes the pods with the nodes
    await execa('node', [CLI, 'cluster', 'reset', '--force'], {env: {MK8S_STATE: state}, reject: false})
    rmSync(dir, {recursive: true, force: true})
  }
}

async function hostGw(seconds: number, runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-'))
  const state = join(dir, 'state.json')
  try {
    await mk8s(state, ['cluster', 'init', '--backend', 'host-gw'])
    for (const n of NODES) await mk8s(state, ['node', 'join', n, '--ssh', `root@${address(n)}`])
    const pods = {a: await benchPod(state, 'iperf-a', 'node1'), b: await benchPod(state, 'iperf-b', 'node1'), c: await benchPod(state, 'iperf-c', 'node2')}
    for (const ns of [VETH.a, VETH.b]) await mk8s(state, ['netns', 'add', ns, '--node', 'node1'])
    await mk8s(state, ['netns', 'link', VETH.a, VETH.b, '--cidr', VETH.cidr, '--node', 'node1'])
    const podCross = await iperf('node1', pods.a.enter, 'node2', pods.c.enter, pods.c.ip, seconds, runs)
    const hostCross = await iperf('node1', [], 'node2', [], address('node2'), seconds, runs)
    const podSame = await iperf('node1', pods.a.enter, 'node1', pods.b.enter, pods.b.ip, seconds, runs)
    const veth = await iperf('node1', ['ip', 'netns', 'exec', VETH.a], 'node1', ['ip', 'netns', 'exec', VETH.b], VETH.server, seconds, runs)
    return {
      podToPodAcrossNodesGbps: podCross.gbps,
      hostToHostGbps: hostCross.gbps,
      acrossNodesRatio: round(podCross.gbps / hostCross.gbps, 3),
      podToPodSameNodeGbps: podSame.gbps,
      bareVethGbps: veth.gbps,
      sameNodeRatio: round(podSame.gbps / veth.gbps, 3),
    }
  } finally {
    // reset deletes the pods and the namespaces with the nodes
    await execa('node', [CLI, 'cluster', 'reset', '--force'], {env: {MK8S_STATE: state}, reject: false})
    rmSync(dir, {recursive: true, force: true})
  }
}

const describe = (s: Partial<HandSettings>) =>
  Object.keys(s).length === 0 ? 'as made' : Object.entries(s).map(([k, v]) => `${k} ${v ? 'on' : 'off'}`).join(', ')

/** For RESULTS.md: the goal (mk8s's flannel.1 at least 0.95 of the hand-made flannel path), and what the study found. */
function notesOf(vx: Awaited<ReturnType<typeof vxlan>>): string[] {
  const notes = [
    `mk8s's flannel.1 pod to pod: ${vx.toHandMadeRatio} of the same path by hand with flannel's settings (goal 0.95: ${vx.toHandMadeRatio >= 0.95 ? 'met' : 'missed'}), ${vx.toUnderlayRatio} of host to host over the underlay (runs interleaved, Gbit/s: mk8s ${vx.runs.mk8s.join(', ')}; by hand ${vx.runs.handMade.join(', ')}; underlay ${vx.runs.hostToHost.join(', ')}).`,
    `mk8s's devices as measured: ${Object.entries(vx.mk8sSettings).map(([d, v]) => `${d}: ${v}`).join('; ')}; the underlay ${vx.underlay.iface}, MTU ${vx.underlay.mtu}.`,
  ]
  for (const path of ['by hand', 'mk8s'] as const) {
    const vs = vx.study.filter((v) => v.path === path)
    const base = vs.find((v) => Object.keys(v.settings).length === 0)
    if (!base) continue
    notes.push(`Study, ${path} (3 x 5 s each, against ${base.gbps} Gbit/s as made): ${vs.filter((v) => v !== base).map((v) => `${describe(v.settings)} ${v.gbps} (${round(v.gbps / base.gbps, 2)}x)`).join('; ')}.`)
  }
  if (vx.studyError) notes.push(`The study stopped: ${vx.studyError}`)
  return notes
}

export async function run(): Promise<BenchResult> {
  const seconds = Number(process.env.MK8S_BENCH_SECONDS ?? 10)
  const runs = Number(process.env.MK8S_BENCH_RUNS ?? 5)
  const study = process.env.MK8S_BENCH_STUDY !== '0'
  return withLabLock(async () => {
    const up = await execa('node', [CLI, 'lab', 'up', '--nodes', '2'], {reject: false, all: true})
    if (up.exitCode !== 0) throw new Error(`mk8s lab up failed:\n${up.all}`)
    try {
      const vx = await vxlan(seconds, runs, study)
      const gw = await hostGw(seconds, Math.min(runs, 3))
      const figures: Figure[] = [
        {figure: `vxlan: iperf3 pod to pod across nodes, median of ${runs} x ${seconds} s`, mk8s: vx.mk8sPodToPodGbps, plain: vx.handMadeFlannelGbps, plainTool: "the same path by hand, flannel's settings", unit: 'Gbit/s'},
        {figure: `vxlan: iperf3 pod to pod across nodes, median of ${runs} x ${seconds} s`, mk8s: vx.mk8sPodToPodGbps, plain: vx.hostToHostGbps, plainTool: 'host to host over the underlay', unit: 'Gbit/s'},
        ...vx.study.map((v) => ({figure: `vxlan ${v.path}, ${describe(v.settings)}: median of 3 x 5 s`, mk8s: v.gbps, plain: vx.hostToHostGbps, plainTool: 'host to host over the underlay', unit: 'Gbit/s'})),
        {figure: 'host-gw: iperf3 pod to pod across nodes', mk8s: gw.podToPodAcrossNodesGbps, plain: gw.hostToHostGbps, plainTool: 'host to host over the underlay', unit: 'Gbit/s'},
        {figure: 'host-gw: iperf3 pod to pod on one node', mk8s: gw.podToPodSameNodeGbps, plain: gw.bareVethGbps, plainTool: 'a bare veth pair', unit: 'Gbit/s'},
      ]
      const result = {bench: 'overlay', tool: 'iperf3', seconds, runs, date: new Date().toISOString(), notes: notesOf(vx), vxlan: vx, 'host-gw': gw, figures}
      mkdirSync('bench/out', {recursive: true})
      writeFileSync('bench/out/overlay.json', JSON.stringify(result, null, 2) + '\n')
      return result
    } finally {
      if (process.env.MK8S_KEEP_LAB !== '1') await execa('node', [CLI, 'lab', 'down'], {reject: false})
    }
  })
}

if (isMain(import.meta.url)) {
  run().then(
    (r) => {
      for (const f of r.figures!) console.log(`${f.figure}: ${f.mk8s} ${f.unit} vs ${f.plainTool} ${f.plain} (x${round(f.mk8s / f.plain!, 2)})`)
      console.log('written to bench/out/overlay.json')
    },
    (error) => {
      console.error(error instanceof Error ? error.message : error)
      process.exitCode = 1
    },
  )
}
