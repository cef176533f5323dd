import {hostOf} from '../cluster/hosts.js'
import type {Ctx} from '../context.js'
import {Mk8sError, UnreachableError} from '../errors.js'
import {safePoint} from '../interrupt.js'
import type {Plan} from '../host/plan.js'
import {markReady, type State} from '../state/schema.js'
import {starting} from '../pod/model.js'
import {planChange, scriptOf} from './plan.js'
import {unprogrammed} from './drift.js'
import {jsonEqual} from '../util/equal.js'
import type {AreaName, NodeReport, NodeScript} from './types.js'

export interface ProgramOptions {
  /** nodes to program whole, whatever was programmed before (node join, node repair, doctor --fix) */
  whole?: readonly string[]
  /** areas to write whole on every node (svc sync --full) */
  wholeAreas?: readonly AreaName[]
  /** steps per node after the areas' (doctor --fix's own repairs) */
  extra?: ReadonlyMap<string, Plan>
  /** The state to program instead of the saved one (cluster reset: nothing; node leave: without the node). */
  desired?: (saved: State) => State
}

/** The two states hold the same objects and nodes. */
const same = (a: State, b: State) => jsonEqual({...a, proxy: undefined}, {...b, proxy: undefined})

/**
 * The one road from the state to the hosts. Processes take turns (the state's hosts lock); in its
 * turn a process programs every node from what it was last programmed from to the newest saved
 * state (a slower process never writes an older copy over a newer one, and a change another
 * process already programmed is not done again): one script per node, from the areas' planners,
 * every node at once through the executor. Nodes known unreachable are left out, as are nodes that
 * fail: they are remembered as stale and programmed whole by the next turn that reaches them. Then
 * the first unreachable node (exit 3), or the first failure, is raised.
 */
export async function program(ctx: Ctx, o: ProgramOptions = {}): Promise<NodeReport[]> {
  // a turn once begun is finished (the hosts then hold what the state says); a signal stops the command after it
  const reports = await turn(ctx, o)
  safePoint('programmed')
  return reports
}

/** A caller of programFirst, told once the scripts of its nodes answered. */
interface First {
  nodes: readonly string[]
  answered: {resolve(reports: NodeReport[]): void; reject(error: unknown): void}
}

/**
 * program()'s turn, for a caller that needs only some nodes programmed before it goes on (a pod's
 * app containers wait for the wiring on its own node, not for the other nodes' endpoints and DNS
 * records). `first` settles once the scripts of `nodes` answered (raising the first error among
 * them, as program() would), or with the turn when it ends before any script; the turn goes on
 * with the other nodes' scripts meanwhile, the same turn as program()'s: the record is written,
 * and the hosts lock released, once every node answered. `done` settles as program() would,
 * signals aside: the safe point is after `first`.
 */
export function programFirst(ctx: Ctx, nodes: readonly string[], o: ProgramOptions = {}): {first: Promise<void>; done: Promise<NodeReport[]>} {
  let answered!: First['answered']
  const mine = new Promise<NodeReport[]>((resolve, reject) => {
    answered = {resolve, reject}
  })
  const done = turn(ctx, o, {nodes, answered})
  done.catch(() => {}) // the caller awaits it; never an unhandled rejection when it stops before
  const first = Promise.race([mine, done]).then((reports) => {
    raiseFirst(reports)
    safePoint('programmed')
  })
  return {first, done}
}

function turn(ctx: Ctx, o: ProgramOptions, first?: First): Promise<NodeReport[]> {
  return ctx.store.whileProgramming(async () => {
    const {state: saved, text} = ctx.store.readWithText()
    // pods a live mk8s is starting (their sandbox up, apps to come) are programmed as they will be,
    // whoever's turn it is: one turn serves every pod run waiting for one (see pod/model.ts starting)
    const desired = starting(o.desired ? o.desired(saved) : saved)
    // (parsed against the saved state: what the hosts already hold are the saved state's own objects, found unchanged at once)
    const last = ctx.store.readProgrammed({state: saved, text})
    // what the nodes hold: the last programmed state of this very cluster; after a reset, nothing
    const known = last && (!desired.cluster || last.state.cluster?.createdAt === desired.cluster.createdAt) ? last : undefined
    // a cluster going away with no record of what was programmed: the saved state says what is there
    const before = known?.state ?? (desired.cluster ? undefined : saved)
    const stale = new Set((known?.stale ?? []).filter((n) => desired.nodes[n]))
    // nodes known unreachable are left out, unless this change is to them (join, repair)
    const unreachable = new Set(Object.values(desired.nodes).filter((n) => !n.ready && n.reason === 'Unreachable' && !o.whole?.includes(n.name)).map((n) => n.name))
    const whole = new Set([...stale, ...(o.whole ?? [])])
    if (before && same(before, desired) && whole.size === 0 && !o.extra?.size && !o.wholeAreas?.length) return []
    const scripts = planChange(before, desired, {whole, wholeAreas: new Set(o.wholeAreas), skip: unreachable, extra: o.extra})
    // intent before action: a node whose script is sent is in doubt until it answers. Killed in
    // between, the next turn programs it whole (every step idempotent), since an incremental
    // script run twice, or half, is not (an iptables -D of a rule already gone fails).
    const sent = scripts.filter((x) => scriptOf(x).length).map((x) => x.node.name)
    if (known && sent.some((n) => !known.stale.includes(n))) ctx.store.writeProgrammed({stale: [...new Set([...known.stale, ...sent])].sort()})
    const reports = await runScripts(ctx, scripts, first)
    const failed = reports.filter((r) => !r.ok).map((r) => r.node)
    const left = [...unreachable, ...failed, ...[...stale].filter((n) => !reports.some((r) => r.node === n && r.ok))]
    const now = [...new Set(left)].filter((n) => desired.nodes[n]).sort()
    // no script sent, no node's standing changed and the record already says what the hosts hold: nothing to write
    const unchanged = !sent.length && known && before && JSON.stringify(now) === JSON.stringify(known.stale) && unprogrammed(desired, {state: known.state, stale: now}).length === 0
    // (the state programmed as it was read, the planners being pure: recorded as the very text read)
    if (!unchanged) ctx.store.writeProgrammed({state: desired, stale: now, ...(desired === saved && text !== undefined ? {text} : {})})
    const back = reports.filter((r) => r.ok && desired.nodes[r.node]?.reason === 'Unreachable').map((r) => r.node)
    if (back.length) await ctx.store.update((s) => {
      for (const n of back) if (s.nodes[n]?.reason === 'Unreachable') markReady(s.nodes[n])
    })
    raiseFirst(reports)
    return reports
  })
}

/** Every node's script at once, one round trip each (none for a node with nothing to do). */
export async function runScripts(ctx: Ctx, scripts: readonly NodeScript[], first?: First): Promise<NodeReport[]> {
  const runs = scripts.map((s) => ctx.exec.apply(hostOf(s.node), scriptOf(s)))
  if (first) {
    const mine = scripts.flatMap((s, i) => (first.nodes.includes(s.node.name) ? [{s, run: runs[i]}] : []))
    void Promise.allSettled(mine.map((m) => m.run)).then((settled) => mine.map((m, i) => reportOf(m.s, settled[i]))).then(first.answered.resolve, first.answered.reject)
  }
  const settled = await Promise.allSettled(runs)
  return scripts.map((s, i) => reportOf(s, settled[i]))
}

function reportOf(s: NodeScript, r: PromiseSettledResult<unknown>): NodeReport {
  const base = {node: s.node.name, full: s.full, leaving: s.leaving, areas: s.parts.map((p) => ({area: p.area, steps: p.plan.length}))}
  if (r.status === 'fulfilled') return {...base, ok: true}
  const e = r.reason
  if (!(e instanceof Mk8sError)) throw e
  return {...base, ok: false, error: e.message, unreachable: e instanceof UnreachableError, cause: e} as NodeReport
}

function raiseFirst(reports: readonly NodeReport[]): void {
  const causes = reports.filter((r) => !r.ok).map((r) => (r as NodeReport & {cause: Mk8sError}).cause)
  const first = causes.find((e) => e instanceof UnreachableError) ?? causes[0]
  if (first) throw first
}
