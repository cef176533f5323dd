/**
 * The data path, measured with resolution: TCP connect latency (p50 and p99) from a node's network
 * namespace to the first and to the last of 1, 100, 1000 and 5000 services, in iptables and in
 * nftables mode, beside a connect with no rules at all, in one run. The client and the server are
 * one small C program (bench/lib/connect.c, built here with the machine's cc): a timed connect is
 * socket() + connect() until the handshake is done, a few microseconds of its own, where a node.js
 * process costs some 200 us. The services are programmed the way mk8s programs them (the state
 * with N services, each with two endpoints, and the full-sync plan `svc sync --full` runs, through
 * mk8s's executor), in network namespaces this bench makes and removes itself: no lab, no SSH.
 * The figure with no rules is a third namespace on its own veth to the same server, measured just
 * before and just after each row (the better of the two), so that the machine's drift falls on both.
 * "First" and "last" are the first and the last service that KUBE-SERVICES matches (iptables
 * walks it in order; the nftables map is one lookup whatever the order).
 *
 *   npx tsx bench/datapath.bench.ts    (as root; MK8S_BENCH_SIZES=1,100 MK8S_BENCH_CONNECTS=2000)
 */
import {execa, type ResultPromise} from 'execa'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {clusterFromOptions} from '../src/lib/cluster/service.js'
import {Host} from '../src/lib/host/host.js'
import {emptyState, type State} from '../src/lib/state/schema.js'
import {iptablesChainsRead} from '../src/lib/svc/iptables.plan.js'
import {fullServicesPlan} from '../src/lib/svc/sync.js'
import {round, type BenchResult, type Figure} from './lib/figures.js'
import {isMain} from './lab.js'

type Mode = 'iptables' | 'nftables'
const NS = {node: 'mk8s-bench-dp-node', server: 'mk8s-bench-dp-srv', bare: 'mk8s-bench-dp-bare'}
/** The namespace with no rules at all, on its own veth to the same server: measured beside every figure. */
const BARE = {client: '10.245.0.1', server: '10.245.0.2'}
const ENDPOINTS = ['10.244.0.5', '10.244.0.6']
const T = '2024-01-01T00:00:00.000Z'
const PORT = 80

/** A host that is a network namespace of this machine: mk8s's executor path, without SSH. */
class NetnsHost extends Host {
  constructor(readonly netns: string) {
    super(netns, {kind: 'local'})
  }
  override commandFor(remote: string): string[] {
    return ['ip', 'netns', 'exec', this.netns, 'bash', '-c', remote]
  }
}

/** The ClusterIP of service i (10.96.0.18 onwards, 250 a /24). */
const serviceIP = (i: number) => `10.96.${Math.floor((i + 16) / 250)}.${((i + 16) % 250) + 2}`

/** A state with n ClusterIP services, each with the two endpoints. */
function stateWith(n: number, mode: Mode): State {
  const s = emptyState()
  s.cluster = clusterFromOptions({proxyMode: mode}, T)
  s.nodes.node1 = {name: 'node1', target: {kind: 'local'}, podCIDR: '10.244.0.0/24', iface: 'eth0', address: '192.168.56.11', mtu: 1500, ready: true, joinedAt: T}
  ENDPOINTS.forEach((ip, i) => {
    s.pods[`default/web${i}`] = {namespace: 'default', name: `web${i}`, uid: `u${i}`, node: 'node1', network: 'pod', ip, labels: {app: 'web'}, spec: {containers: [], restartPolicy: 'Always', hostNetwork: false}, phase: 'Running', containers: [], createdAt: T}
  })
  for (let i = 0; i < n; i++) {
    s.services[`default/s${i}`] = {namespace: 'default', name: `s${i}`, uid: `s${i}`, type: 'ClusterIP', clusterIP: serviceIP(i), ports: [{protocol: 'TCP', port: PORT, targetPort: PORT}], selector: {app: 'web'}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: T}
  }
  return s
}

const sh = (argv: string[], input?: string) => execa(argv[0], argv.slice(1), {input})
const inNs = (ns: string, argv: string[]) => ['ip', 'netns', 'exec', ns, ...argv]

/** The two namespaces and a veth between them; the server namespace holds both endpoint addresses. */
async function namespaces(): Promise<void> {
  for (const ns of Object.values(NS)) {
    await sh(['ip', 'netns', 'del', ns]).catch(() => {})
    await sh(['ip', 'netns', 'add', ns])
  }
  await sh(['ip', 'link', 'add', 'mk8sdp0', 'netns', NS.node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.server])
  const node = ['ip', '-n', NS.node]
  const srv = ['ip', '-n', NS.server]
  await sh([...node, 'addr', 'add', '10.244.0.1/24', 'dev', 'mk8sdp0'])
  await sh([...node, 'link', 'set', 'mk8sdp0', 'up'])
  await sh([...node, 'link', 'set', 'lo', 'up'])
  await sh([...node, 'route', 'add', '10.96.0.0/12', 'dev', 'mk8sdp0'])
  for (const ip of ENDPOINTS) await sh([...srv, 'addr', 'add', `${ip}/24`, 'dev', 'eth0'])
  await sh([...srv, 'link', 'set', 'eth0', 'up'])
  await sh([...srv, 'link', 'set', 'lo', 'up'])
  await sh(['ip', 'link', 'add', 'mk8sdp1', 'netns', NS.bare, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', NS.server])
  await sh(['ip', '-n', NS.bare, 'addr', 'add', `${BARE.client}/24`, 'dev', 'mk8sdp1'])
  await sh(['ip', '-n', NS.bare, 'link', 'set', 'mk8sdp1', 'up'])
  await sh(['ip', '-n', NS.bare, 'link', 'set', 'lo', 'up'])
  await sh([...srv, 'addr', 'add', `${BARE.server}/24`, 'dev', 'eth1'])
  await sh([...srv, 'link', 'set', 'eth1', 'up'])
}

/** Empty the node namespace's rules (both families of tools see the same nf_tables). */
async function noRules(): Promise<void> {
  await sh(inNs(NS.node, ['nft', 'flush', 'ruleset']))
}

/** The server, listening (wrapped: an async function returning the subprocess would wait for its end). */
async function server(bin: string): Promise<{proc: ResultPromise}> {
  // the server on the other core than the clients: its accept and close stay off their path
  const proc = execa('ip', ['netns', 'exec', NS.server, 'taskset', '-c', '1', bin, 'server', String(PORT)], {stdout: 'pipe'})
  await new Promise((ok, bad) => {
    proc.stdout!.once('data', ok)
    proc.catch(bad)
  })
  return {proc}
}

interface Latency {
  p50: number
  p99: number
  p999: number
  min: number
}

async function connects(bin: string, ip: string, n: number, ns = NS.node): Promise<Latency> {
  const r = await sh(inNs(ns, ['taskset', '-c', '0', bin, 'client', ip, String(PORT), String(n), String(Math.min(500, n))]))
  const x = JSON.parse(r.stdout) as Latency
  return {p50: round(x.p50), p99: round(x.p99), p999: round(x.p999), min: round(x.min)}
}

/** The services in the order KUBE-SERVICES matches them (iptables), or in the state's order (nftables). */
async function matchOrder(mode: Mode, n: number): Promise<string[]> {
  if (mode === 'nftables') return Array.from({length: n}, (_, i) => serviceIP(i))
  const save = (await sh(inNs(NS.node, ['iptables-save', '-t', 'nat']))).stdout
  return [...save.matchAll(/^-A KUBE-SERVICES .*?-d (\d+\.\d+\.\d+\.\d+)\/32/gm)].map((m) => m[1])
}

/** Program n services from empty as mk8s does (`svc sync --full`): read the chains (iptables), plan, one round trip. */
async function program(mode: Mode, n: number): Promise<number> {
  await noRules()
  const host = new NetnsHost(NS.node)
  const state = stateWith(n, mode)
  if (mode === 'iptables') await host.apply(iptablesChainsRead())
  const t0 = process.hrtime.bigint()
  await host.apply(fullServicesPlan(state, state.nodes.node1))
  return Number(process.hrtime.bigint() - t0) / 1e6
}

export interface Row {
  mode: Mode
  services: number
  programmedMs: number
  first: Latency & {ip: string}
  last: Latency & {ip: string}
  /** no rules, measured just before the first and just after the last: the better of the two */
  noRules: Latency
}

const bareConnects = (bin: string, n: number) => connects(bin, BARE.server, n, NS.bare)
const better = (a: Latency, b: Latency): Latency => ({p50: Math.min(a.p50, b.p50), p99: Math.min(a.p99, b.p99), p999: Math.min(a.p999, b.p999), min: Math.min(a.min, b.min)})

/** What the rows say, for RESULTS.md: the goal (nftables at the largest size within 1.5x of no rules), and where the time goes. */
function notesOf(rows: Row[], n: number): string[] {
  const at = (mode: Mode) => rows.filter((r) => r.mode === mode).sort((a, b) => a.services - b.services)
  const x = (a: number, b: number) => round(a / b).toString()
  const notes = [`Each figure: ${n} connects (socket + connect until the handshake is done) from bench/lib/connect.c, after 500 unmeasured; the client on core 0, the server on core 1; no rules = a namespace without any, on its own veth to the same server, measured just before and after the row.`]
  const nft = at('nftables')
  const ipt = at('iptables')
  if (nft.length) {
    const big = nft[nft.length - 1]
    const small = nft[0]
    const r = big.last.p50 / big.noRules.p50
    notes.push(
      `nftables, the last of ${big.services} services: p50 ${big.last.p50} us against ${big.noRules.p50} us with no rules, ${round(r, 2)}x (goal 1.5x: ${r <= 1.5 ? 'met' : 'missed'}). ` +
        `With ${small.services} service it is ${small.last.p50} us: what nftables adds over no rules is the same at every size (conntrack and NAT of a new connection, one verdict-map lookup), not the number of services.`,
    )
  }
  if (ipt.length) {
    const big = ipt[ipt.length - 1]
    notes.push(
      `iptables, ${big.services} services: the first ${big.first.p50} us, the last ${big.last.p50} us (p50): every new connection walks KUBE-SERVICES rule by rule, ${x(big.last.p50 - big.first.p50, Math.max(1, big.services - 1) / 1000)} us more per thousand services before its match; nftables finds any service in one lookup. This is why the mode exists.`,
    )
  }
  notes.push('p99 on a machine of 2 cores shared with other work is the scheduler as much as the rules: compare the p50s first.')
  return notes
}

export async function run(): Promise<BenchResult> {
  if (process.getuid?.() !== 0) throw new Error('the data-path bench makes network namespaces: run it as root')
  const sizes = (process.env.MK8S_BENCH_SIZES ?? '1,100,1000,5000').split(',').map(Number)
  const n = Number(process.env.MK8S_BENCH_CONNECTS ?? 5000)
  const dir = mkdtempSync(join(tmpdir(), 'mk8s-bench-dp-'))
  const bin = join(dir, 'connect')
  let srv: {proc: ResultPromise} | undefined
  try {
    await sh(['cc', '-O2', '-o', bin, resolve(import.meta.dirname, 'lib/connect.c')])
    await namespaces()
    srv = await server(bin)
    const rows: Row[] = []
    // the node namespace with no rules too (the same path as the services' figures, to an endpoint directly)
    await noRules()
    const nodeNoRules = await connects(bin, ENDPOINTS[0], n)
    for (const mode of ['iptables', 'nftables'] as const) {
      for (const size of sizes) {
        const programmedMs = round(await program(mode, size))
        const order = await matchOrder(mode, size)
        if (order.length !== size) throw new Error(`${mode}: ${order.length} services matched where ${size} were programmed`)
        const before = await bareConnects(bin, n)
        const first = {ip: order[0], ...(await connects(bin, order[0], n))}
        const last = {ip: order[size - 1], ...(await connects(bin, order[size - 1], n))}
        const noRulesRow = better(before, await bareConnects(bin, n))
        rows.push({mode, services: size, programmedMs, first, last, noRules: noRulesRow})
        process.stderr.write(`${mode} ${size}: first p50 ${first.p50} p99 ${first.p99}, last p50 ${last.p50} p99 ${last.p99}, no rules p50 ${noRulesRow.p50} p99 ${noRulesRow.p99} us\n`)
      }
    }
    const plainTool = 'connect with no rules, beside it'
    const figures: Figure[] = rows.flatMap((r) =>
      (['first', 'last'] as const).flatMap((which) => [
        {figure: `${r.mode}: connect to the ${which} of ${r.services} services, p50`, mk8s: r[which].p50, plain: r.noRules.p50, plainTool, unit: 'us'},
        {figure: `${r.mode}: connect to the ${which} of ${r.services} services, p99`, mk8s: r[which].p99, plain: r.noRules.p99, plainTool, unit: 'us'},
      ]),
    )
    const result = {bench: 'datapath', client: 'bench/lib/connect.c', connects: n, date: new Date().toISOString(), notes: notesOf(rows, n), nodeNamespaceNoRules: nodeNoRules, rows, figures}
    mkdirSync(resolve(import.meta.dirname, 'out'), {recursive: true})
    writeFileSync(resolve(import.meta.dirname, 'out/datapath.json'), JSON.stringify(result, null, 2) + '\n')
    return result
  } finally {
    srv?.proc.kill()
    await srv?.proc.catch(() => {})
    for (const ns of Object.values(NS)) await sh(['ip', 'netns', 'del', ns]).catch(() => {})
    rmSync(dir, {recursive: true, force: true})
  }
}

if (isMain(import.meta.url)) {
  run().then(
    (r) => {
      for (const f of r.figures!) console.log(`${f.figure}: ${f.mk8s} us vs ${f.plainTool} ${f.plain} us (x${round(f.mk8s / f.plain!, 2)})`)
    },
    (error) => {
      console.error(error)
      process.exitCode = 1
    },
  )
}
