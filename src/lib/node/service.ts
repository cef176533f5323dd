import type {Ctx} from '../context.js'
import {hostOf} from '../cluster/hosts.js'
import {requireCluster, requireNode, sortedNodes} from '../cluster/model.js'
import {DEFAULTS} from '../cluster/defaults.js'
import {InputError, Mk8sError} from '../errors.js'
import {Host, describeTarget, type Target} from '../host/host.js'
import {step} from '../host/plan.js'
import {markReady, type NodeRecord, type State} from '../state/schema.js'
import {nthSubnet, parseCidr, cidrSize} from '../util/cidr.js'
import {validateName} from '../util/names.js'
import {checkPreflight, detectUnderlay, overlappingNetworks, parsePreflight, preflightPlan} from './preflight.js'
import {program, type NodeReport} from '../pipeline/index.js'
import {checkHostGw} from '../overlay/plan.js'
import {forgetNodeNetns} from '../netns/service.js'
import {moveAnnouncements} from '../svc/service.js'
import {brokenSandboxes, podsForgetNode, restartPods} from '../pod/service.js'
import {resolveTarget, type TargetOptions} from './target.js'
import {assessFirewalls, firewallCaptures, firewallReadPlan, iptablesFlavour, parseFirewalls} from '../firewall/detect.js'
import {checkFirewalls} from '../firewall/detect.js'
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

/**
 * A node joins: one round trip reads its facts (preflight), the state records it, then one script
 * brings it whole (bridge, overlay to every peer, service rules, DNS, ingress, host ports) and one
 * script per peer adds its entries for it: the pipeline, with the node written whole.
 */
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
    const rec: NodeRecord = {
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
      pid: old?.ready ? undefined : process.pid,
      joinedAt: old?.joinedAt ?? new Date().toISOString(),
    }
    checkHostGw(cluster, rec, sortedNodes(s).filter((n) => n.name !== name))
    s.nodes[name] = rec
    return rec
  })
  ctx.progress(`node ${name}: pod subnet ${record.podCIDR}, underlay ${record.iface} ${record.address} mtu ${record.mtu}; ${cluster.backend} to ${Object.keys(before.nodes).filter((n) => n !== name).length} peer(s), services, DNS`)
  await program(ctx, {whole: [name]})
  return ctx.store.update((s) => {
    return markReady(s.nodes[name] ?? record)
  })
}

/** Pods block a leave unless --force (they go with the node) or a reset. */
function checkLeave(state: State, node: NodeRecord, opts: {force?: boolean; reset?: boolean}): void {
  const pods = Object.values(state.pods).filter((p) => p.node === node.name)
  if (pods.length && !opts.force && !opts.reset) {
    throw new InputError(`node ${node.name} still runs ${pods.length} pod(s): ${pods.slice(0, 5).map((p) => p.name).join(', ')}`, `delete them first, or use --force to delete them with the node`)
  }
}

/** The state without a node and what only it had (its namespaces; LoadBalancer addresses move on). */
function withoutNode(s: State, name: string): void {
  delete s.nodes[name]
  delete s.proxy[name]
  forgetNodeNetns(s, name)
  moveAnnouncements(s, name)
}

/**
 * A node leaves: its pods go (with --force), then the pipeline removes everything mk8s made on it
 * (one script) and its entries on every peer (one script each). With --force an unreachable node
 * is forgotten anyway.
 */
export async function nodeLeave(ctx: Ctx, name: string, opts: {force?: boolean; reset?: boolean} = {}): Promise<NodeRecord> {
  const state = ctx.store.read()
  const node = requireNode(state, name)
  checkLeave(state, node, opts)
  try {
    if (Object.values(state.pods).some((p) => p.node === name)) await podsForgetNode(ctx, name)
    await program(ctx, {desired: (s) => {
      const out = structuredClone(s)
      withoutNode(out, name)
      return out
    }})
  } catch (error) {
    if (!opts.force) throw error
    ctx.progress(`node ${name}: ${(error as Error).message}; removed from the state anyway (--force)`)
  }
  await ctx.store.update((s) => withoutNode(s, name))
  await program(ctx).catch((error) => {
    if (!opts.force) throw error
  })
  return node
}

/**
 * `node repair`: the node programmed wholly from the state, as after a reboot or a wipe: its
 * bridge, overlay, service rules, DNS, ingress and host ports, and every pod whose containers are
 * gone started again from its recorded spec with the same name and address (what kubelet does for
 * a sandbox that died), all in one script after the runtime calls.
 */
export async function nodeRepair(ctx: Ctx, name: string): Promise<{node: string; restarted: string[]; reports: NodeReport[]}> {
  const state = ctx.store.read()
  requireCluster(state)
  const node = requireNode(state, name)
  const {pods: restarted, reports} = await restartPods(ctx, await brokenSandboxes(ctx, node), {whole: [name]})
  if (!node.ready) {
    await ctx.store.update((s) => {
      if (s.nodes[name]) markReady(s.nodes[name])
    })
  }
  return {node: name, restarted: restarted.map((p) => `${p.namespace}/${p.name}`), reports}
}

/**
 * Whether each node answers and has its bridge, asked in parallel (one round trip each). Read only:
 * the state is not changed (a node that answers again is caught up by the next change to it,
 * `mk8s node repair`, or `doctor --fix`).
 */
export async function refreshReadiness(ctx: Ctx, names?: string[]): Promise<NodeRecord[]> {
  const nodes = sortedNodes(ctx.store.read()).filter((n) => !names || names.includes(n.name))
  const res = await ctx.exec.readEach(nodes.map((n) => [hostOf(n), [step(['ip', 'link', 'show', DEFAULTS.bridge], {capture: true})]] as const))
  return nodes.map((n) => {
    if (n.reason === 'Joining') return n
    const r = res.get(n.name)
    if (r instanceof Mk8sError) return {...n, ready: false, reason: r.exitCode === 3 ? 'Unreachable' : 'Error'}
    if (r?.get(0)?.code !== 0) return {...n, ready: false, reason: 'BridgeMissing'}
    return {...n, ready: true, reason: undefined}
  })
}

/** A command that changes hosts found a node unreachable (exit 3): the state marks it, and changes skip it until it answers again. */
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
