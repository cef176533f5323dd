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
  beforeLeave: [] as Array<(state: State, node: NodeRecord, opts: {force?: boolean; reset?: boolean}) => void>,
}
