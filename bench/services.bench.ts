/**
 * Programming services, both proxy modes: the time to program 1, 100, 1000 and 5000 services from
 * empty and to add one more at each size, mk8s's path (planner + one round trip with its executor)
 * beside the plain tool fed the same text; and the TCP connect latency to the last service. Runs in
 * network namespaces it makes and removes itself (no lab). Writes bench/out/services.json.
 *
 *   npx vite-node bench/services.bench.ts        (as root; MK8S_BENCH_SIZES=1,100 for a short run)
 */
import {execa} from 'execa'
import {mkdirSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {clusterFromOptions} from '../src/lib/cluster/service.js'
import {Host} from '../src/lib/host/host.js'
import type {Plan} from '../src/lib/host/plan.js'
import {emptyState, type State} from '../src/lib/state/schema.js'
import {iptablesChainsRead} from '../src/lib/svc/iptables.plan.js'
import {fullServicesPlan, incrementalServicesPlan} from '../src/lib/svc/sync.js'

const NS = {node: 'mk8s-bench-node', server: 'mk8s-bench-srv'}
const ENDPOINTS = ['10.244.0.5', '10.244.0.6']
const T = '2024-01-01T00:00:00.000Z'

/** A host that is a network namespace of this machine: mk8s's executor path, without SSH. */
class NetnsHost extends Host {
  constructor(readonly netns: string) {
    super(netns, {kind: 'local'})
  }
  override commandFor(remote: string): string[] {
    return ['ip', 'netns', 'exec', this.netns, 'bash', '-c', remote]
  }
}

/** A state with n ClusterIP services, each with two endpoints on node1. */
function stateWith(n: number, mode: 'iptables' | 'nftables'): State {
  const s = emptyState()
  s.cluster = clusterFromOptions({proxyMode: mode}, T)
  s.nodes.node1 = {name: 'node1', target: {kind: 'local'}, podCIDR: '10.244.0.0/24', iface: 'eth0', address: '192.168.56.11', mtu: 1500, ready: true, joinedAt: T}
  ENDPOINTS.forEach((ip, i) => {
    s.pods[`default/web${i}`] = {namespace: 'default', name: `web${i}`, uid: `u${i}`, node: 'node1', network: 'pod', ip, labels: {app: 'web'}, spec: {containers: [], restartPolicy: 'Always', hostNetwork: false}, phase: 'Running', containers: [], createdAt: T}
  })
  for (let i = 0; i < n; i++) {
    const ip = `10.96.${Math.floor((i + 16) / 250)}.${((i + 16) % 250) + 2}`
    s.services[`default/s${i}`] = {namespace: 'default', name: `s${i}`, uid: `s${i}`, type: 'ClusterIP', clusterIP: ip, ports: [{protocol: 'TCP', port: 80, targetPort: 80}], selector: {app: 'web'}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: T}
  }
  return s
}

const sh = (argv: string[], input?: string) => execa(argv[0], argv.slice(1), {input})
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6
const now = () => process.hrtime.bigint()
const round = (x: number) => Math.round(x * 10) / 10

async function freshNode(): Promise<void> {
  await sh(['ip', 'netns', 'del', NS.node]).catch(() => {})
  await sh(['ip', 'netns', 'add', NS.node])
}

/** The server side: a namespace holding both endpoint addresses, a TCP server on :80, a veth to the node namespace. */
async function dataPath(): Promise<() => Promise<void>> {
  await sh(['ip', 'netns', 'del', NS.server]).catch(() => {})
  await sh(['ip', 'netns', 'add', NS.server])
  await sh(['ip', 'link', 'add', 'mk8sbench0', 'netns', NS.node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.server])
  const inNode = ['ip', '-n', NS.node]
  const inSrv = ['ip', '-n', NS.server]
  await sh([...inNode, 'addr', 'add', '10.244.0.1/24', 'dev', 'mk8sbench0'])
  await sh([...inNode, 'link', 'set', 'mk8sbench0', 'up'])
  await sh([...inNode, 'link', 'set', 'lo', 'up'])
  await sh([...inNode, 'route', 'add', '10.96.0.0/12', 'dev', 'mk8sbench0'])
  for (const ip of ENDPOINTS) await sh([...inSrv, 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])
  await sh([...inSrv, 'link', 'set', 'eth0', 'up'])
  await sh([...inSrv, 'link', 'set', 'lo', 'up'])
  const server = execa('ip', ['netns', 'exec', NS.server, process.execPath, '-e', "require('net').createServer((s)=>s.destroy()).listen(80,()=>console.log('up'))"], {stdout: 'pipe'})
  await new Promise((r) => server.stdout!.once('data', r))
  return async () => {
    server.kill()
    await server.catch(() => {})
  }
}

const CONNECT = `const net=require('net');const [ip,n]=process.argv.slice(1);const t=[];
(async()=>{for(let i=0;i<Number(n)+20;i++){const s=process.hrtime.bigint();await new Promise((ok,bad)=>{const c=net.connect(80,ip,()=>{c.destroy();ok()});c.on('error',bad)});if(i>=20)t.push(Number(process.hrtime.bigint()-s)/1e3)}
t.sort((a,b)=>a-b);console.log(JSON.stringify({p50:t[Math.floor(t.length*0.5)],p99:t[Math.floor(t.length*0.99)]}))})()`

async function connectLatency(ip: string, n = 300): Promise<{p50: number; p99: number}> {
  const r = await execa('ip', ['netns', 'exec', NS.node, process.execPath, '-e', CONNECT, ip, String(n)])
  const x = JSON.parse(r.stdout) as {p50: number; p99: number}
  return {p50: round(x.p50), p99: round(x.p99)}
}

const restoreText = (plan: Plan) => plan.find((s) => s.stdin !== undefined)?.stdin ?? ''
const plainTool = (mode: 'iptables' | 'nftables') => (mode === 'iptables' ? ['iptables-restore', '--noflush'] : ['nft', '-f', '-'])

async function measure(mode: 'iptables' | 'nftables', n: number) {
  const host = new NetnsHost(NS.node)
  const before = stateWith(n, mode)
  const after = stateWith(n + 1, mode)
  const node = before.nodes.node1

  // plain tool, from empty: the same text mk8s generates
  const text = restoreText(fullServicesPlan(before, node))
  await freshNode()
  let t = now()
  await sh(['ip', 'netns', 'exec', NS.node, ...plainTool(mode)], text)
  const plainProgram = ms(t)

  // mk8s's path, from empty: plan, one round trip (stale chains are dropped in the same script)
  await freshNode()
  t = now()
  await host.apply(fullServicesPlan(before, node))
  const mk8sProgram = ms(t)

  // one more service: mk8s's incremental path, then the plain tool re-syncing everything
  t = now()
  await host.apply(incrementalServicesPlan(before, after, node))
  const mk8sAddOne = ms(t)
  const last = after.services[`default/s${n}`].clusterIP
  const stop = await dataPath()
  let latency: {p50: number; p99: number}
  try {
    latency = await connectLatency(last)
  } finally {
    await stop()
  }
  const plainAll = restoreText(fullServicesPlan(after, node))
  t = now()
  await sh(['ip', 'netns', 'exec', NS.node, ...plainTool(mode)], plainAll)
  const plainFullResync = ms(t)
  return {
    mode,
    services: n,
    programMs: {mk8s: round(mk8sProgram), plainTool: round(plainProgram)},
    addOneMs: {mk8sIncremental: round(mk8sAddOne), plainToolFullResync: round(plainFullResync)},
    connectToLastServiceUs: latency,
  }
}

export async function run(sizes = (process.env.MK8S_BENCH_SIZES ?? '1,100,1000,5000').split(',').map(Number)) {
  if (process.getuid?.() !== 0) throw new Error('the services benchmark makes network namespaces: run it as root')
  const versions = {iptables: (await sh(['iptables', '-V'])).stdout.trim(), nft: (await sh(['nft', '-v'])).stdout.trim()}
  const results = []
  try {
    for (const mode of ['iptables', 'nftables'] as const) {
      for (const n of sizes) {
        const r = await measure(mode, n)
        console.log(`${mode} ${n} services: program ${r.programMs.mk8s} ms (plain ${r.programMs.plainTool}); one more ${r.addOneMs.mk8sIncremental} ms (plain full re-sync ${r.addOneMs.plainToolFullResync}); connect p50 ${r.connectToLastServiceUs.p50} µs p99 ${r.connectToLastServiceUs.p99} µs`)
        results.push(r)
      }
    }
  } finally {
    for (const ns of Object.values(NS)) await sh(['ip', 'netns', 'del', ns]).catch(() => {})
  }
  // for bench/RESULTS.md: each figure beside the plain tool doing the same job
  const figures = results.flatMap((r) => [
    {figure: `${r.mode}: program ${r.services} services`, mk8s: r.programMs.mk8s, plain: r.programMs.plainTool, plainTool: `${plainTool(r.mode).join(' ')} of the same text`, unit: 'ms'},
    {figure: `${r.mode}: one more service when ${r.services} exist`, mk8s: r.addOneMs.mk8sIncremental, plain: r.addOneMs.plainToolFullResync, plainTool: `${plainTool(r.mode).join(' ')}, full re-sync`, unit: 'ms'},
  ])
  const out = {bench: 'services', date: new Date().toISOString(), versions, figures, results}
  mkdirSync(resolve('bench/out'), {recursive: true})
  writeFileSync(resolve('bench/out/services.json'), JSON.stringify(out, null, 2) + '\n')
  return out
}

const arg = process.argv[1]
if (arg && (import.meta.url === pathToFileURL(resolve(arg)).href || /[\\/]vite-node(\.m?js)?$/.test(arg))) {
  run().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
