import type {Ctx} from '../context.js'
import {hostOf, sortedNodes} from '../cluster/hosts.js'
import {Mk8sError} from '../errors.js'
import type {Plan} from '../host/plan.js'
import type {NodeRecord, State} from '../state/schema.js'
import {diffFragments, diffSize, emptyDiff, emptyFragment, fragmentHash, type Fragment} from './fragment.js'
import {iptablesApplyPlan, iptablesChainsRead, iptablesFragment, iptablesFullRestore, iptablesIncrementalRestore, iptablesRemovePlan} from './iptables.plan.js'
import {announcedOn, lbAnnouncePlan, lbRemovePlan} from './lb.js'
import {proxyPorts, sortedServices, type ProxyConfig} from './model.js'
import {nftApplyPlan, nftFragment, nftFullScript, nftIncrementalScript, nftRemovePlan} from './nft.plan.js'

type Mode = 'iptables' | 'nftables'

const EMPTY = fragmentHash(emptyFragment())

/** The rules of one service on one node, in a mode (empty when the service is absent or headless). */
export function serviceFragment(state: State, key: string, node: string, mode: Mode): Fragment {
  const svc = state.services[key]
  if (!svc || !state.cluster) return emptyFragment()
  const cfg: ProxyConfig = {podCIDR: state.cluster.podCIDR}
  const ports = proxyPorts(state, svc, node)
  return mode === 'iptables' ? iptablesFragment(ports, cfg) : nftFragment(ports, cfg)
}

/** Everything a service's rules on a node depend on, as text: equal inputs give equal rules. */
function inputsOf(state: State, key: string, node: string): string {
  const svc = state.services[key]
  return svc ? JSON.stringify([svc.type, svc.clusterIP, svc.ports, svc.sessionAffinity, svc.externalTrafficPolicy, svc.loadBalancerIP, proxyPorts(state, svc, node).map((p) => p.endpoints), state.cluster?.podCIDR]) : ''
}

/** One node's plan: a full re-sync or only what changed; with the digests to remember afterwards. */
export interface NodeSync {
  node: NodeRecord
  full: boolean
  plan: Plan
  /** digests per service after this plan ran (only services with rules) */
  hashes: Record<string, string>
  /** the digests this plan expected to find (for a compare-and-set when they are saved) */
  expected: Record<string, string | undefined>
  /** objects and entries written or removed: what the benchmarks and tests compare */
  touched: number
}

/** The whole ruleset of a node from the state, as one plan (plus what `stale` chains to delete, iptables only). */
export function fullSync(state: State, node: NodeRecord, stale: string[] = []): NodeSync {
  const mode = state.cluster!.proxyMode
  const keys = sortedServices(state).map((s) => `${s.namespace}/${s.name}`)
  const frags = keys.map((k) => serviceFragment(state, k, node.name, mode))
  const hashes: Record<string, string> = {}
  keys.forEach((k, i) => {
    const h = fragmentHash(frags[i])
    if (h !== EMPTY) hashes[k] = h
  })
  const rules = mode === 'iptables' ? iptablesApplyPlan(iptablesFullRestore(frags, stale), true) : nftApplyPlan(nftFullScript(frags))
  const touched = frags.reduce((n, f) => n + f.objects.size + f.entries.size, 0)
  return {node, full: true, plan: [...rules, ...lbAnnouncePlan(announcedOn(state, node.name), [], true)], hashes, expected: {}, touched}
}

/**
 * What changed on one node between two states, as one plan; undefined when the node's programmed
 * rules are not what `before` implies (never programmed, or changed behind mk8s's back): then a
 * full re-sync is needed.
 */
export function incrementalSync(before: State, after: State, node: NodeRecord): NodeSync | undefined {
  const mode = after.cluster!.proxyMode
  const prog = after.proxy[node.name]
  if (!prog || prog.mode !== mode) return undefined
  const hashes = {...prog.services}
  const expected: Record<string, string | undefined> = {}
  const diff = emptyDiff()
  const keys = new Set([...Object.keys(before.services), ...Object.keys(after.services), ...Object.keys(prog.services)])
  for (const key of keys) {
    if (prog.services[key] !== undefined && inputsOf(before, key, node.name) === inputsOf(after, key, node.name)) continue
    const next = serviceFragment(after, key, node.name, mode)
    const nextHash = fragmentHash(next)
    if ((prog.services[key] ?? EMPTY) === nextHash) continue
    const old = serviceFragment(before, key, node.name, mode)
    if (fragmentHash(old) !== (prog.services[key] ?? EMPTY)) return undefined
    diffFragments(old, next, diff)
    expected[key] = prog.services[key]
    if (nextHash === EMPTY) delete hashes[key]
    else hashes[key] = nextHash
  }
  const wasLb = announcedOn(before, node.name)
  const nowLb = announcedOn(after, node.name)
  const lb = lbAnnouncePlan(nowLb.filter((ip) => !wasLb.includes(ip)), wasLb.filter((ip) => !nowLb.includes(ip)), false)
  const rules = mode === 'iptables' ? iptablesApplyPlan(iptablesIncrementalRestore(diff), false) : nftApplyPlan(nftIncrementalScript(diff))
  return {node, full: false, plan: [...rules, ...lb], hashes, expected, touched: diffSize(diff)}
}

/** Save what a sync programmed. Incremental: a digest changed by someone else meanwhile is dropped (forcing a full re-sync next time). */
async function remember(ctx: Ctx, mode: Mode, s: NodeSync): Promise<void> {
  await ctx.store.update((st) => {
    if (!st.nodes[s.node.name]) return
    if (s.full) {
      st.proxy[s.node.name] = {mode, services: s.hashes}
      return
    }
    const cur = st.proxy[s.node.name]
    if (!cur) return
    for (const [key, was] of Object.entries(s.expected)) {
      if (cur.services[key] !== was) delete cur.services[key]
      else if (s.hashes[key] === undefined) delete cur.services[key]
      else cur.services[key] = s.hashes[key]
    }
  })
}

async function applyFull(ctx: Ctx, state: State, node: NodeRecord): Promise<NodeSync> {
  let stale: string[] = []
  if (state.cluster!.proxyMode === 'iptables') {
    const r = await ctx.exec.read(hostOf(node), iptablesChainsRead())
    stale = (r.get(0)?.output ?? '').split('\n').map((l) => l.trim()).filter((l) => /^(nat|filter) KUBE-(SVC|SEP|EXT|SVL|FW)-/.test(l))
  }
  const s = fullSync(state, node, stale)
  await ctx.exec.apply(hostOf(node), s.plan)
  return s
}

export interface SyncReport {
  node: string
  full: boolean
  touched: number
}

/**
 * Bring every node's service rules from `before` to `after`: one round trip per node (two for a
 * full iptables re-sync, which first reads the chains there), all nodes in parallel. A node whose
 * incremental change fails is re-synced in full.
 */
export async function syncNodes(ctx: Ctx, before: State, after: State, opts: {full?: boolean; nodes?: string[]} = {}): Promise<SyncReport[]> {
  if (!after.cluster) return []
  const mode = after.cluster.proxyMode
  const nodes = sortedNodes(after).filter((n) => !opts.nodes || opts.nodes.includes(n.name))
  const results = await Promise.allSettled(nodes.map(async (node): Promise<SyncReport> => {
    const inc = opts.full ? undefined : incrementalSync(before, after, node)
    let done: NodeSync
    if (inc) {
      try {
        await ctx.exec.apply(hostOf(node), inc.plan)
        done = inc
      } catch (error) {
        if (!(error instanceof Mk8sError) || error.exitCode === 3) throw error
        ctx.progress(`node ${node.name}: incremental service update failed (${error.message.split('\n')[0]}); re-syncing in full`)
        done = await applyFull(ctx, after, node)
      }
    } else {
      done = await applyFull(ctx, after, node)
    }
    await remember(ctx, mode, done)
    return {node: node.name, full: done.full, touched: done.touched}
  }))
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  return results.map((r) => (r as PromiseFulfilledResult<SyncReport>).value)
}

/** Everything mk8s's service proxy made on a node, gone (node leave). */
export const proxyRemovePlan = (mode: Mode): Plan => [...(mode === 'iptables' ? iptablesRemovePlan() : nftRemovePlan()), ...lbRemovePlan()]
