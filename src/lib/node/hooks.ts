import type {Ctx} from '../context.js'
import type {NodeRecord, State} from '../state/schema.js'

/**
 * What other areas do when a node joins or leaves (the overlay wires peers, services program the
 * new node). Each area registers here once, so the node service needs no knowledge of them.
 */
export const nodeHooks = {
  join: [] as Array<(ctx: Ctx, state: State, node: NodeRecord) => Promise<void>>,
  leave: [] as Array<(ctx: Ctx, state: State, node: NodeRecord) => Promise<void>>,
  /**
   * After pods, deployments or services changed (the state before and after, both saved): services
   * re-sync endpoints on every node, DNS updates its records. Runs in the same command.
   */
  objectsChanged: [] as Array<(ctx: Ctx, before: State, after: State) => Promise<void>>,
  /** Checks on the node's record before anything on any host changes (throw InputError to refuse). */
  beforeJoin: [] as Array<(state: State, node: NodeRecord) => void>,
  beforeLeave: [] as Array<(state: State, node: NodeRecord, opts: {force?: boolean; reset?: boolean}) => void>,
}

/** The state without the nodes known to be unreachable: changes skip them (they catch up when they answer again). */
export function reachableOnly(state: State): State {
  const gone = Object.values(state.nodes).filter((n) => !n.ready && n.reason === 'Unreachable')
  if (gone.length === 0) return state
  return {...state, nodes: Object.fromEntries(Object.entries(state.nodes).filter(([, n]) => !gone.includes(n)))}
}

/** The two states hold the same objects (what the proxy recorded of its own work aside). */
function sameObjects(a: State, b: State): boolean {
  const strip = (s: State) => JSON.stringify({...s, proxy: undefined})
  return strip(a) === strip(b)
}

/**
 * Tell every area that pods, deployments or services changed (the pod and service areas call this
 * after saving). Processes take turns: the one whose turn it is programs the hosts from what was
 * last programmed to the newest saved state, so a slower process never writes an older copy over
 * a newer one, and when many change things at once the later ones often find their change
 * already done. Nodes marked Unreachable are left out, so that the others go on working; when
 * such a node answers again, `node list` runs the join hooks on it (see refreshReadiness).
 */
export async function objectsChanged(ctx: Ctx, before: State, after: State): Promise<void> {
  const run = async (from: State, to: State) => {
    for (const hook of nodeHooks.objectsChanged) await hook(ctx, reachableOnly(from), reachableOnly(to))
  }
  if (ctx.dryRun) return run(before, after)
  await ctx.store.whileProgramming(async () => {
    const latest = ctx.store.read()
    const done = ctx.store.readProgrammed()
    const known = done && done.cluster?.createdAt === latest.cluster?.createdAt ? done : undefined
    if (known && sameObjects(known, latest)) return
    await run(known ?? before, latest)
    ctx.store.writeProgrammed(latest)
  })
}
