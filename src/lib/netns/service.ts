import type {Ctx} from '../context.js'
import {hostOf} from '../cluster/hosts.js'
import {requireNode, sortedNodes} from '../cluster/model.js'
import {InputError} from '../errors.js'
import {program} from '../pipeline/index.js'
import type {NetLinkRecord, NetnsRecord, NodeRecord, State} from '../state/schema.js'
import {cidrSize, overlaps, parseCidr} from '../util/cidr.js'
import {validateIfaceName, validateName} from '../util/names.js'
import {netnsAddPlan, netnsBridgeDelPlan, netnsBridgePlan, netnsDelPlan, netnsLinkPlan} from './plan.js'

const key = (node: string, name: string) => `${node}/${name}`

function pickNode(state: State, node?: string): NodeRecord {
  if (node) return requireNode(state, node)
  const first = sortedNodes(state)[0]
  if (!first) throw new InputError('no nodes to make namespaces on', "join one first: mk8s node join NAME --ssh root@HOST")
  return first
}

function requireNetns(state: State, node: string, name: string): NetnsRecord {
  const r = state.netns[key(node, name)]
  if (!r) throw new InputError(`namespace "${name}" not found on node ${node}`, `make it with 'mk8s netns add ${name} --node ${node}'`)
  return r
}

type Reserved<T> = {record: T; created: boolean}

/** Reserve a record under the lock, apply the plan, and drop the record again if the host refused. */
async function reserveThenApply<T>(ctx: Ctx, reserve: (s: State) => Reserved<T>, apply: (r: T) => Promise<void>, release: (s: State) => void): Promise<Reserved<T>> {
  const r = await ctx.store.update(reserve)
  if (!r.created) return r
  try {
    await apply(r.record)
  } catch (error) {
    await ctx.store.update(release)
    throw error
  }
  await remember(ctx)
  return r
}

/**
 * These namespaces are made by hand, outside the pipeline; a turn of it (no round trip: no area
 * has steps for them) records them as programmed, so that a leaving node's script removes them.
 */
const remember = (ctx: Ctx) => program(ctx).then(() => undefined)

export async function netnsAdd(ctx: Ctx, name: string, nodeName?: string) {
  validateName('namespace', name)
  const node = pickNode(ctx.store.read(), nodeName)
  return reserveThenApply(
    ctx,
    (s) => {
      requireNode(s, node.name)
      const k = key(node.name, name)
      if (s.netns[k]) return {record: s.netns[k], created: false}
      s.netns[k] = {node: node.name, name, createdAt: new Date().toISOString()}
      return {record: s.netns[k], created: true}
    },
    async () => {
      await ctx.exec.apply(hostOf(node), netnsAddPlan(name))
    },
    (s) => {
      delete s.netns[key(node.name, name)]
    },
  )
}

export async function netnsDel(ctx: Ctx, name: string, nodeName?: string) {
  const state = ctx.store.read()
  const node = pickNode(state, nodeName)
  const bridge = Object.values(state.netlinks).find((l) => l.kind === 'bridge' && l.node === node.name && l.name === name)
  const ns = state.netns[key(node.name, name)]
  if (!ns && !bridge) throw new InputError(`no namespace or bridge "${name}" on node ${node.name}`, `see 'mk8s netns list'`)
  if (ns) await ctx.exec.apply(hostOf(node), netnsDelPlan(name))
  else await ctx.exec.apply(hostOf(node), netnsBridgeDelPlan(name, bridge!.members))
  await ctx.store.update((s) => {
    if (ns) delete s.netns[key(node.name, name)]
    for (const [k, l] of Object.entries(s.netlinks)) {
      if (l.node !== node.name) continue
      if (!ns && l.kind === 'bridge' && l.name === name) delete s.netlinks[k]
      else if (ns && l.kind === 'veth' && l.members.includes(name)) delete s.netlinks[k]
      else if (ns && l.kind === 'bridge') l.members = l.members.filter((m) => m !== name)
    }
  })
  await remember(ctx) // what the nodes were programmed from forgets it too (doctor compares the two)
  return {node: node.name, name, kind: ns ? 'namespace' : 'bridge'}
}

function checkCidr(state: State, node: string, cidrText: string, selfKey: string, need: number) {
  const c = parseCidr(cidrText)
  if (cidrSize(c) - 2 < need && c.bits < 31) throw new InputError(`${c.text} has room for ${cidrSize(c) - 2} addresses, ${need} are needed`, 'use a larger network')
  if (c.bits > 30) throw new InputError(`${c.text} is too small for a link: use a /30 or larger`)
  for (const [k, l] of Object.entries(state.netlinks)) {
    if (k !== selfKey && l.node === node && overlaps(parseCidr(l.cidr), c)) {
      throw new InputError(`${c.text} overlaps ${l.cidr} of ${l.kind} ${l.name} on node ${node}`, 'choose a network that does not overlap')
    }
  }
  return c.text
}

export async function netnsLink(ctx: Ctx, a: string, b: string, cidr: string, nodeName?: string) {
  validateName('namespace', a)
  validateName('namespace', b)
  if (a === b) throw new InputError('a link needs two different namespaces')
  const node = pickNode(ctx.store.read(), nodeName)
  const k = `veth:${node.name}/${[a, b].join('~')}`
  return reserveThenApply(
    ctx,
    (s) => {
      requireNetns(s, node.name, a)
      requireNetns(s, node.name, b)
      const text = checkCidr(s, node.name, cidr, k, 2)
      const old = s.netlinks[k] ?? s.netlinks[`veth:${node.name}/${[b, a].join('~')}`]
      if (old) {
        if (old.cidr === text) return {record: old, created: false}
        throw new InputError(`${a} and ${b} are already linked with ${old.cidr}`, `delete one of the namespaces to relink them`)
      }
      s.netlinks[k] = {kind: 'veth', node: node.name, name: `${a}~${b}`, members: [a, b], cidr: text, createdAt: new Date().toISOString()}
      return {record: s.netlinks[k], created: true}
    },
    async (r) => {
      await ctx.exec.apply(hostOf(node), netnsLinkPlan(a, b, r.cidr))
    },
    (s) => {
      delete s.netlinks[k]
    },
  )
}

export async function netnsBridge(ctx: Ctx, bridge: string, members: string[], cidr: string, nodeName?: string) {
  validateIfaceName('bridge', bridge)
  if (bridge === 'cni0' || bridge.startsWith('mk8s')) throw new InputError(`bridge name "${bridge}" is reserved by mk8s`, 'choose another name, e.g. br0')
  if (members.length === 0) throw new InputError('a bridge needs --members A,B', 'e.g. mk8s netns bridge br0 --members red,blue --cidr 10.0.1.0/24')
  members.forEach((m) => validateName('namespace', m))
  if (new Set(members).size !== members.length) throw new InputError('a namespace is named twice in --members')
  const node = pickNode(ctx.store.read(), nodeName)
  const k = `bridge:${node.name}/${bridge}`
  return reserveThenApply(
    ctx,
    (s) => {
      members.forEach((m) => requireNetns(s, node.name, m))
      const text = checkCidr(s, node.name, cidr, k, members.length + 1)
      const old = s.netlinks[k]
      if (old && old.cidr !== text) throw new InputError(`bridge ${bridge} exists with ${old.cidr}`, `delete it first: mk8s netns del ${bridge}`)
      const all = [...(old?.members ?? []), ...members.filter((m) => !old?.members.includes(m))]
      if (old && all.length === old.members.length && members.every((m, i) => old.members[i] === m)) return {record: old, created: false}
      s.netlinks[k] = {kind: 'bridge', node: node.name, name: bridge, members: all, cidr: text, createdAt: old?.createdAt ?? new Date().toISOString()}
      return {record: s.netlinks[k], created: true}
    },
    async (r) => {
      await ctx.exec.apply(hostOf(node), netnsBridgePlan(bridge, r.members, r.cidr))
    },
    (s) => {
      delete s.netlinks[k]
    },
  )
}

export function netnsList(state: State) {
  return {
    namespaces: Object.values(state.netns).sort((x, y) => key(x.node, x.name).localeCompare(key(y.node, y.name))),
    links: Object.values(state.netlinks),
  }
}

export async function netnsExec(ctx: Ctx, name: string, argv: string[], nodeName?: string): Promise<number> {
  if (argv.length === 0) throw new InputError('no command given', `e.g. mk8s netns exec ${name} -- ip -br addr`)
  const state = ctx.store.read()
  const node = pickNode(state, nodeName)
  requireNetns(state, node.name, name)
  return hostOf(node).interactive(['ip', 'netns', 'exec', name, ...argv])
}

/** On node leave: the namespaces and bridges mk8s made there go too. */

/** A node leaves: the state forgets its namespaces and links. */
export function forgetNodeNetns(s: State, node: string): void {
  for (const [k, n] of Object.entries(s.netns)) if (n.node === node) delete s.netns[k]
  for (const [k, l] of Object.entries(s.netlinks)) if (l.node === node) delete s.netlinks[k]
}
