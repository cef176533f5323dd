/**
 * NetworkPolicy: TCP connect latency from one pod to another through a node's forward path with
 * 0, 100 and 1000 policies in the cluster (the destination isolated, its allowing policy judged
 * last: the longest walk), beside no policy machinery at all (no table); the time to add one
 * policy when 1000 exist (mk8s's incremental path: planner + one round trip through its executor)
 * beside rewriting the whole table with nft; and the time to add a pod to a selected label set
 * with 1, 100 and 1000 policies (the area's whole part: the set elements, then the table's copy
 * for the boot script, `nft list table` into /var/lib/mk8s/netpol.nft, removed afterwards). Runs in network namespaces it makes and removes itself (no lab):
 * a node namespace that routes between a client and a server namespace, as cni0 does.
 *
 *   npx tsx bench/netpol.bench.ts                (as root)
 */
import {execa} from 'execa'
import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {clusterFromOptions} from '../src/lib/cluster/service.js'
import {Host} from '../src/lib/host/host.js'
import {NETPOL_SAVED, netpolFullScript, netpolNodeModel, netpolNodePlan, netpolPlanner} from '../src/lib/netpol/plan.js'
import {parseNetpolSpec} from '../src/lib/netpol/spec.js'
import {emptyState, type PodRecord, type State} from '../src/lib/state/schema.js'

const NS = {node: 'mk8s-bnp-node', client: 'mk8s-bnp-cli', server: 'mk8s-bnp-srv'}
const T = '2024-01-01T00:00:00.000Z'
const CLIENT = '10.244.0.2'
const SERVER = '10.244.1.2'

class NetnsHost extends Host {
  constructor(readonly netns: string) {
    super(netns, {kind: 'local'})
  }
  override commandFor(remote: string): string[] {
    return ['ip', 'netns', 'exec', this.netns, 'bash', '-c', remote]
  }
}

const pod = (name: string, ip: string, labels: Record<string, string>): PodRecord => ({namespace: 'default', name, uid: name, node: 'node1', network: 'pod', ip, labels, spec: {containers: [], restartPolicy: 'Always', hostNetwork: false}, phase: 'Running', containers: [], createdAt: T})

/** n policies that select other pods, and (when n > 0) one last that isolates the server and allows the client. */
function stateWith(n: number, extraPolicy = false): State {
  const s = emptyState()
  s.cluster = clusterFromOptions({}, T)
  s.nodes.node1 = {name: 'node1', target: {kind: 'local'}, podCIDR: '10.244.0.0/24', iface: 'eth0', address: '192.168.56.11', mtu: 1500, ready: true, joinedAt: T}
  s.pods['default/client'] = pod('client', CLIENT, {role: 'client'})
  s.pods['default/server'] = pod('server', SERVER, {app: 'server'})
  const add = (name: string, spec: Record<string, unknown>) => {
    s.networkPolicies[`default/${name}`] = {namespace: 'default', name, uid: name, labels: {}, annotations: {}, spec: parseNetpolSpec(spec, name), createdAt: T}
  }
  for (let i = 0; i < n; i++) add(`p${String(i).padStart(4, '0')}`, {podSelector: {matchLabels: {app: `a${i}`}}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}], ports: [{port: 80}]}]})
  if (n > 0) add('zz-server', {podSelector: {matchLabels: {app: 'server'}}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}], ports: [{port: 80}]}]})
  if (extraPolicy) add('p-new', {podSelector: {matchLabels: {app: 'new'}}, ingress: [{from: [{podSelector: {matchLabels: {role: 'client'}}}]}]})
  return s
}

const sh = (argv: string[], input?: string) => execa(argv[0], argv.slice(1), {input})
const now = () => process.hrtime.bigint()
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6
const round = (x: number) => Math.round(x * 10) / 10
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function setUp(): Promise<() => Promise<void>> {
  for (const ns of Object.values(NS)) await sh(['ip', 'netns', 'del', ns]).catch(() => {})
  for (const ns of Object.values(NS)) await sh(['ip', 'netns', 'add', ns])
  const [n, c, v] = [['ip', '-n', NS.node], ['ip', '-n', NS.client], ['ip', '-n', NS.server]]
  await sh(['ip', 'link', 'add', 'bnp-c', 'netns', NS.node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.client])
  await sh(['ip', 'link', 'add', 'bnp-s', 'netns', NS.node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.server])
  await sh([...n, 'addr', 'add', '10.244.0.1/24', 'dev', 'bnp-c'])
  await sh([...n, 'addr', 'add', '10.244.1.1/24', 'dev', 'bnp-s'])
  for (const d of ['bnp-c', 'bnp-s', 'lo']) await sh([...n, 'link', 'set', d, 'up'])
  await sh(['ip', 'netns', 'exec', NS.node, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
  for (const [x, ip, gw] of [[c, CLIENT, '10.244.0.1'], [v, SERVER, '10.244.1.1']] as const) {
    await sh([...x, 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])
    await sh([...x, 'link', 'set', 'eth0', 'up'])
    await sh([...x, 'link', 'set', 'lo', 'up'])
    await sh([...x, 'route', 'add', 'default', 'via', gw])
  }
  const server = execa('ip', ['netns', 'exec', NS.server, process.execPath, '-e', "require('net').createServer((s)=>s.destroy()).listen(80,()=>console.log('up'))"], {stdout: 'pipe'})
  await new Promise((r) => server.stdout!.once('data', r))
  return async () => {
    server.kill()
    await server.catch(() => {})
    for (const ns of Object.values(NS)) await sh(['ip', 'netns', 'del', ns]).catch(() => {})
  }
}

const CONNECT = `const net=require('net');const [ip,n]=process.argv.slice(1);const t=[];
(async()=>{for(let i=0;i<Number(n)+20;i++){const s=process.hrtime.bigint();await new Promise((ok,bad)=>{const c=net.connect(80,ip,()=>{c.destroy();ok()});c.on('error',bad)});if(i>=20)t.push(Number(process.hrtime.bigint()-s)/1e3)}
t.sort((a,b)=>a-b);console.log(JSON.stringify({p50:t[Math.floor(t.length*0.5)],p99:t[Math.floor(t.length*0.99)]}))})()`

async function connectLatency(n = 400): Promise<{p50: number; p99: number}> {
  const r = await execa('ip', ['netns', 'exec', NS.client, process.execPath, '-e', CONNECT, SERVER, String(n)])
  const x = JSON.parse(r.stdout) as {p50: number; p99: number}
  return {p50: round(x.p50), p99: round(x.p99)}
}

const dropTable = () => sh(['ip', 'netns', 'exec', NS.node, 'nft', 'delete', 'table', 'inet', 'mk8s-netpol']).catch(() => {})

export async function run() {
  if (process.getuid?.() !== 0) throw new Error('the netpol benchmark makes network namespaces: run it as root')
  const host = new NetnsHost(NS.node)
  const node = stateWith(0).nodes.node1
  const hadSaved = existsSync(NETPOL_SAVED)
  const hadDir = existsSync(dirname(NETPOL_SAVED))
  const stop = await setUp()
  const latency: Array<{policies: number | 'none'; p50: number; p99: number}> = []
  const addPolicy: Record<string, number> = {}
  const addPod: Array<{policies: number; ms: number; rulesMs: number; elements: number}> = []
  try {
    latency.push({policies: 'none', ...(await connectLatency())})
    for (const n of [0, 100, 1000]) {
      await dropTable()
      await host.apply(netpolNodePlan(undefined, stateWith(n), node))
      latency.push({policies: n, ...(await connectLatency())})
    }
    // one more policy when 1000 exist: mk8s's incremental path, then nft rewriting the whole table
    const before = stateWith(1000)
    const after = stateWith(1000, true)
    const inc: number[] = []
    for (let i = 0; i < 5; i++) {
      await dropTable()
      await host.apply(netpolNodePlan(undefined, before, node))
      const t = now()
      await host.apply(netpolNodePlan(before, after, node))
      inc.push(ms(t))
    }
    addPolicy.mk8sIncremental = round(median(inc))
    const full: number[] = []
    for (let i = 0; i < 5; i++) {
      const text = netpolFullScript(netpolNodeModel(after, node))
      const t = now()
      await sh(['ip', 'netns', 'exec', NS.node, 'nft', '-f', '-'], text)
      full.push(ms(t))
    }
    addPolicy.plainFullRewrite = round(median(full))
    // a pod joining a selected label set (it is a client, a peer of every policy's rule): the rules
    // alone, and the area's whole part (the rules, then the table's copy for the boot script)
    for (const n of [1, 100, 1000]) {
      const b = stateWith(n)
      const a = structuredClone(b)
      a.pods['default/extra'] = pod('extra', '10.244.0.9', {role: 'client'})
      await dropTable()
      await host.apply(netpolNodePlan(undefined, b, node))
      const rules: number[] = []
      const times: number[] = []
      let elements = 0
      for (let i = 0; i < 5; i++) {
        let t = now()
        const plan = netpolNodePlan(b, a, node)
        await host.apply(plan)
        rules.push(ms(t))
        elements = (plan[0]?.stdin ?? '').split('\n').filter((l) => l.startsWith('add element')).length
        await host.apply(netpolNodePlan(a, b, node))
        t = now()
        await host.apply(netpolPlanner({before: b, after: a, node, leaving: false}))
        times.push(ms(t))
        await host.apply(netpolNodePlan(a, b, node))
      }
      addPod.push({policies: n, ms: round(median(times)), rulesMs: round(median(rules)), elements})
    }
  } finally {
    await stop()
    // the boot copy the planner wrote on this machine's disk (the bench's node is a namespace of it),
    // once the last save in the background has let go of its lock
    await execa('flock', [`${NETPOL_SAVED}.lock`, 'true'], {reject: false})
    if (!hadSaved) rmSync(NETPOL_SAVED, {force: true})
    if (!hadSaved) rmSync(`${NETPOL_SAVED}.lock`, {force: true})
    if (!hadDir) rmSync(dirname(NETPOL_SAVED), {recursive: true, force: true})
  }
  for (const l of latency) console.log(`connect with ${l.policies} policies: p50 ${l.p50} µs, p99 ${l.p99} µs`)
  console.log(`one more policy when 1000 exist: ${addPolicy.mk8sIncremental} ms (whole table with nft: ${addPolicy.plainFullRewrite} ms)`)
  for (const p of addPod) console.log(`a pod joins a selected label set with ${p.policies} policies: ${p.ms} ms with the boot copy, ${p.rulesMs} ms the rules alone (${p.elements} element statements)`)
  const none = latency[0]
  const figures = [
    ...latency.slice(1).map((l) => ({figure: `netpol: TCP connect p50, ${l.policies} policies (destination isolated, allowed last)`, mk8s: l.p50, plain: none.p50, plainTool: 'no policy table at all', unit: 'µs'})),
    {figure: 'netpol: one more policy when 1000 exist', mk8s: addPolicy.mk8sIncremental, plain: addPolicy.plainFullRewrite, plainTool: 'nft -f of the whole table', unit: 'ms'},
    ...addPod.map((p) => ({figure: `netpol: a pod joins a selected label set, ${p.policies} policies (with the boot copy)`, mk8s: p.ms, plain: addPod[0].ms, plainTool: 'the same with 1 policy', unit: 'ms'})),
    ...addPod.map((p) => ({figure: `netpol: a pod joins a selected label set, ${p.policies} policies (the rules alone)`, mk8s: p.rulesMs, plain: addPod[0].rulesMs, plainTool: 'the same with 1 policy', unit: 'ms'})),
  ]
  const out = {bench: 'netpol', date: new Date().toISOString(), figures, latency, addPolicy, addPod}
  mkdirSync(resolve('bench/out'), {recursive: true})
  writeFileSync(resolve('bench/out/netpol.json'), JSON.stringify(out, null, 2) + '\n')
  return out
}

const arg = process.argv[1]
if (arg && (import.meta.url === pathToFileURL(resolve(arg)).href || /[\\/]vite-node(\.m?js)?$/.test(arg))) {
  run().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
