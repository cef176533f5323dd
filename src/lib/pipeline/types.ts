import type {Plan} from '../host/plan.js'
import type {NodeRecord, State} from '../state/schema.js'

/**
 * What an area's planner is asked: how one node should change. `before` is the state the node was
 * last programmed from (undefined: the node holds nothing of mk8s's that can be trusted, so the
 * area writes all of its part: a join, a repair, a node that missed changes); `after` is the state
 * it should match. A node that is in `before` but not in `after` is leaving: the area removes its
 * part (`leaving`, and `node` is the record from `before`).
 */
export interface NodeChange {
  before: State | undefined
  after: State
  node: NodeRecord
  leaving: boolean
  /** the services the change may touch (svc/sync.ts touchedServices), found once for every node of a change; absent: each planner finds them */
  touched?: readonly string[]
}

/** The areas, in the order their steps run on a node (and the reverse order when it leaves). */
export const AREA_ORDER = ['base', 'firewall', 'netns', 'overlay', 'pods', 'hostports', 'services', 'netpol', 'dns', 'ingress'] as const
export type AreaName = (typeof AREA_ORDER)[number] | 'extra' | 'boot'

/** One area's contribution: a pure function from a node's change to that node's steps. */
export interface AreaPlanner {
  area: AreaName
  plan(change: NodeChange): Plan
  /**
   * What brings the area back when the node boots, from what outlives a reboot on the node (its
   * disk, its stopped containers), as a part of the node's boot script. Without it, the area's
   * whole plan. An area whose whole plan grows with the cluster keeps that part on the node's disk
   * instead (written by its incremental plans), so that the boot script stays small.
   */
  boot?(state: State, node: NodeRecord): Plan
}

/** One node's script, by area, before it is run. */
export interface NodeScript {
  node: NodeRecord
  /** whole (before undefined) or only what changed */
  full: boolean
  leaving: boolean
  parts: Array<{area: AreaName; plan: Plan}>
}

/** What running a node's script did, per area: steps sent (0: nothing to do, no round trip). */
export interface NodeReport {
  node: string
  full: boolean
  leaving: boolean
  ok: boolean
  /** the node was not reached, or its script failed: its message */
  error?: string
  unreachable?: boolean
  areas: Array<{area: AreaName; steps: number}>
}
