import type {Ctx} from '../context.js'
import {hostOf, requireCluster, requireNode, sortedNodes} from '../cluster/hosts.js'
import {DEFAULTS} from '../cluster/defaults.js'
import {InputError, Mk8sError} from '../errors.js'
import {Host, describeTarget, type Target} from '../host/host.js'
import {step} from '../host/plan.js'
import type {NodeRecord, State} from '../state/schema.js'
import {nthSubnet, parseCidr, cidrSize} from '../util/cidr.js'
import {validateName} from '../util/names.js'
import {nodeBasePlan, nodeLeavePlan} from './plan.js'
import {checkPreflight, detectUnderlay, overlappingNetworks, parsePreflight, preflightPlan} from './preflight.js'
import {nodeHooks} from './hooks.js'
import {resolveTarget, type TargetOptions} from './target.js'
import {assessFirewalls, firewallCaptures, firewallReadPlan, iptablesFlavour, parseFirewalls} from '../firewall/detect.js'
import {checkFirewalls} from '../firewall/service.js'
import {TABLE as NFT_TABLE} from '../svc/nft.plan.js'

export interface JoinOptions extends TargetOptions {
  iface?: string
  address?: string
}

const sameTarget = (a: Target, b: Target) => describeTarget(a) === describeTarget(b) || (a.kind === 'ssh' && b.kind === 'ssh' && a.user === b.user && a.host === b.host && a.port === b.port)

function checkTaken(state: State, name: string, target: Target): void {
  const existing = state.nodes[name]
  if (existing && !sameTarget(existing.target, target)) {
    throw new InputError(`node name "${name}" is taken by ${describeTarget(existing.target)}`, `choose another name, or 'mk8s node leave ${name}' first`)
  }
  const other = Object.values(state.nodes).find((n) => n.name !== name && sameTarget(n.target, target))
  if (other) throw new InputError(`${describeTarget(target)} has already joined as node "${other.name}"`, `use that name, or 'mk8s node leave ${other.name}' first`)
}

/** The lowest /24 of the pod CIDR that no node holds. */
export function allocateNodeCidr(state: State, podCIDR: string): string {
  const pod = parseCidr(podCIDR)
  const taken = new Set(Object.values(state.nodes).map((n) => n.podCIDR))
  const count = cidrSize(pod) / 2 ** (32 - DEFAULTS.nodeSubnetBits)
  for (let i = 0; i < count; i++) {
    const c = nthSubnet(pod, DEFAULTS.nodeSubnetBits, i).text
    if (!taken.has(c)) return c
  }
  throw new InputError(`the pod CIDR ${podCIDR} has no free /${DEFAULTS.nodeSubnetBits} left for another node`, 'use a larger --pod-cidr at cluster init')
}

export async function nodeJoin(ctx: Ctx, name: string, opts: JoinOptions): Promise<NodeRecord> {
  validateName('node', name)
  const target = await resolveTarget(opts)
  const before = ctx.store.read()
  const cluster = requireCluster(before)
  checkTaken(before, name, target)
  const host = new Host(name, target)
  ctx.progress(`node ${name}: preflight on ${describeTarget(target)}`)
  const pre = await ctx.exec.read(host, [...preflightPlan(), ...firewallReadPlan()])
  const facts = parsePreflight(pre)
  checkPreflight(name, facts, cluster.backend)
  const firewalls = assessFirewalls(parseFirewalls(firewallCaptures(pre, preflightPlan().length), {ownTables: [NFT_TABLE], podCIDR: cluster.podCIDR}), {iptables: iptablesFlavour(facts.iptablesBackend), podCIDR: cluster.podCIDR})
  checkFirewalls(name, firewalls)
  for (const v of firewalls) ctx.progress(`node ${name}: ${v.what}: ${v.effect}; ${v.fix}`)
  const underlay = detectUnderlay(name, facts, target.kind === 'ssh' ? target.host : undefined, opts)
  const clash = overlappingNetworks(facts, [
    {what: 'pod CIDR', cidr: parseCidr(cluster.podCIDR)},
    {what: 'service CIDR', cidr: parseCidr(cluster.serviceCIDR)},
  ])
  if (clash.length) {
    throw new InputError(`node ${name}'s own networks overlap the cluster's: ${clash.join('; ')}`, 'choose other CIDRs (cluster reset, then cluster init --pod-cidr/--service-cidr), or move that network')
  }
  const record = await ctx.store.update((s) => {
    checkTaken(s, name, target)
    const taken = Object.values(s.nodes).find((n) => n.name !== name && n.address === underlay.address)
    if (taken) throw new InputError(`address ${underlay.address} is already node "${taken.name}"'s`, 'give this node its own --address')
    const old = s.nodes[name]
    s.nodes[name] = {
      name,
      target,
      podCIDR: old?.podCIDR ?? allocateNodeCidr(s, cluster.podCIDR),
      iface: underlay.iface,
      address: underlay.address,
      prefix: underlay.prefix,
      mtu: underlay.mtu,
      hostname: facts.hostname,
      ready: old?.ready ?? false,
      reason: old?.ready ? undefined : 'Joining',
      joinedAt: old?.joinedAt ?? new Date().toISOString(),
    }
    for (const check of nodeHooks.beforeJoin) check(s, s.nodes[name])
    return s.nodes[name]
  })
  ctx.progress(`node ${name}: pod subnet ${record.podCIDR}, underlay ${record.iface} ${record.address} mtu ${record.mtu}`)
  const state = ctx.dryRun ? {...before, nodes: {...before.nodes, [name]: record}} : ctx.store.read()
  await ctx.exec.apply(host, nodeBasePlan(record))
  for (const hook of nodeHooks.join) await hook(ctx, state, record)
  return ctx.store.update((s) => {
    const n = s.nodes[name] ?? record
    n.ready = true
    delete n.reason
    return n
  })
}

export async function nodeLeave(ctx: Ctx, name: string, opts: {force?: boolean; reset?: boolean} = {}): Promise<NodeRecord> {
  const state = ctx.store.read()
  const node = requireNode(state, name)
  for (const check of nodeHooks.beforeLeave) check(state, node, opts)
  try {
    for (const hook of nodeHooks.leave) await hook(ctx, state, node)
    await ctx.exec.apply(hostOf(node), nodeLeavePlan())
  } catch (error) {
    if (!opts.force) throw error
    ctx.progress(`node ${name}: ${(error as Error).message}; removed from the state anyway (--force)`)
  }
  await ctx.store.update((s) => {
    delete s.nodes[name]
  })
  return node
}

/** Ask every node (in parallel, one round trip each) whether it answers; record the result. */
export async function refreshReadiness(ctx: Ctx, names?: string[]): Promise<NodeRecord[]> {
  const nodes = sortedNodes(ctx.store.read()).filter((n) => !names || names.includes(n.name))
  const res = await ctx.exec.readEach(nodes.map((n) => [hostOf(n), [step(['ip', 'link', 'show', DEFAULTS.bridge], {capture: true})]] as const))
  const seen = new Map<string, {ready: boolean; reason?: string}>()
  for (const n of nodes) {
    const r = res.get(n.name)
    if (r instanceof Mk8sError) seen.set(n.name, {ready: false, reason: r.exitCode === 3 ? 'Unreachable' : 'Error'})
    else if (r?.get(0)?.code !== 0) seen.set(n.name, {ready: false, reason: 'BridgeMissing'})
    else seen.set(n.name, {ready: true})
  }
  const changed = nodes.some((n) => seen.get(n.name)!.ready !== n.ready || seen.get(n.name)!.reason !== n.reason)
  if (changed && !ctx.dryRun) {
    await ctx.store.update((s) => {
      for (const [name, st] of seen) {
        const n = s.nodes[name]
        if (!n || n.reason === 'Joining') continue
        n.ready = st.ready
        if (st.reason) n.reason = st.reason
        else delete n.reason
      }
    })
  }
  const back = nodes.filter((n) => n.reason === 'Unreachable' && seen.get(n.name)!.ready)
  if (back.length && !ctx.dryRun) await catchUp(ctx, back.map((n) => n.name))
  return nodes.map((n) => (n.reason === 'Joining' ? n : {...n, ...seen.get(n.name)!, reason: seen.get(n.name)!.reason}))
}

/** Nodes that answer again missed the changes made meanwhile: the join hooks bring them up to date (services, DNS, ...). */
async function catchUp(ctx: Ctx, names: string[]): Promise<void> {
  const state = ctx.store.read()
  for (const name of names) {
    ctx.progress(`node ${name} answers again: bringing its rules up to date`)
    try {
      for (const hook of nodeHooks.join) await hook(ctx, state, state.nodes[name])
    } catch (error) {
      ctx.progress(`node ${name}: ${(error as Error).message.split('\n')[0]}; run 'mk8s node join ${name}' again`)
    }
  }
}

/** A command found a node unreachable (exit 3): the state marks it NotReady, and changes skip it until it answers again. */
export async function markUnreachable(ctx: Ctx, name: string): Promise<void> {
  if (ctx.dryRun) return
  await ctx.store.update((s) => {
    const n = s.nodes[name]
    if (!n || n.reason === 'Joining') return
    n.ready = false
    n.reason = 'Unreachable'
  })
}

export async function nodeExec(ctx: Ctx, name: string, argv: string[]): Promise<number> {
  if (argv.length === 0) throw new InputError('no command given', `e.g. mk8s node exec ${name} -- ip -br addr`)
  return hostOf(requireNode(ctx.store.read(), name)).interactive(argv)
}

/** A v1 Node, as kubectl shows one. */
export function toV1Node(n: NodeRecord, cluster?: State['cluster']) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      creationTimestamp: n.joinedAt,
      labels: {'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux'},
      annotations: {
        'mk8s.io/target': describeTarget(n.target),
        'mk8s.io/underlay-iface': n.iface,
        ...(cluster ? {'flannel.alpha.coreos.com/backend-type': cluster.backend, 'flannel.alpha.coreos.com/public-ip': n.address} : {}),
      },
    },
    spec: {podCIDR: n.podCIDR, podCIDRs: [n.podCIDR]},
    status: {
      addresses: [
        {type: 'InternalIP', address: n.address},
        {type: 'Hostname', address: n.hostname ?? n.name},
      ],
      conditions: [
        {
          type: 'Ready',
          status: n.ready ? 'True' : n.reason === 'Unreachable' ? 'Unknown' : 'False',
          reason: n.ready ? 'NodeReady' : n.reason ?? 'NotReady',
          message: n.ready ? 'mk8s reached the node and its bridge is up' : `mk8s: ${n.reason ?? 'not ready'}`,
        },
      ],
    },
  }
}
