import {sortedNodes} from '../cluster/model.js'
import {bootInstallPlan, bootRemovePlan, bootUpdatePlan} from '../boot/plan.js'
import {renderBootBody, type Plan} from '../host/plan.js'
import type {NodeRecord, State} from '../state/schema.js'
import {touchedServices} from '../svc/sync.js'
import {AREAS} from './areas.js'
import {AREA_ORDER, type AreaName, type NodeChange, type NodeScript} from './types.js'

/** Each area's part of a node's boot script, from the state it was programmed from: its boot plan (or whole plan), as a body that runs every step. */
export function bootParts(state: State, node: NodeRecord): Record<string, string> {
  const out: Record<string, string> = {}
  for (const a of AREAS) {
    const plan = a.boot ? a.boot(state, node) : a.plan({before: undefined, after: state, node, leaving: false})
    if (plan.length) out[a.area] = renderBootBody(plan)
  }
  return out
}

/**
 * The boot script's part of a node's script, after the areas' (so that it says what the node was
 * programmed to): installed whole with its unit when the node is programmed whole; on a change to
 * the node, the areas' parts that it changed; removed (first) when the node leaves.
 */
function bootPart(change: NodeChange, changed: boolean): Plan {
  if (change.leaving) return bootRemovePlan()
  if (!change.before) return bootInstallPlan(bootParts(change.after, change.node), AREA_ORDER)
  if (!changed) return []
  const now = bootParts(change.after, change.node)
  const was = bootParts(change.before, change.before.nodes[change.node.name])
  const parts = Object.fromEntries(Object.entries(now).filter(([a, body]) => was[a] !== body))
  return bootUpdatePlan(parts, Object.keys(was).filter((a) => now[a] === undefined))
}

/** One node's script: every area's steps for its change, in the written order (reversed when it leaves), then its boot script. */
export function planNode(change: NodeChange, extra: Plan = [], wholeAreas: ReadonlySet<AreaName> = new Set()): NodeScript {
  const order = change.leaving ? [...AREAS].reverse() : AREAS
  const parts = order.map((a) => ({area: a.area, plan: a.plan(wholeAreas.has(a.area) && !change.leaving ? {...change, before: undefined} : change)}))
  const changed = parts.some((p) => p.plan.length > 0)
  if (change.leaving) parts.unshift({area: 'boot', plan: bootPart(change, changed)})
  else if (change.after.cluster) parts.push({area: 'boot', plan: bootPart(change, changed)})
  if (extra.length) parts.push({area: 'extra', plan: extra})
  return {node: change.node, full: change.before === undefined, leaving: change.leaving, parts: parts.filter((p) => p.plan.length > 0)}
}

export interface ChangeOptions {
  /** nodes that hold nothing trusted: programmed whole (join, repair, a node that missed changes) */
  whole?: ReadonlySet<string>
  /** areas written whole on every node */
  wholeAreas?: ReadonlySet<AreaName>
  /** nodes left out (unreachable): they catch up later, whole */
  skip?: ReadonlySet<string>
  /** steps per node after the areas' (doctor --fix) */
  extra?: ReadonlyMap<string, Plan>
}

/**
 * From the state the nodes were last programmed from (undefined: none, so every node is written
 * whole) to the desired state: one script per node, pure. Nodes of `after` are brought in line;
 * nodes only in `before` are leaving and lose what mk8s made there.
 */
export function planChange(before: State | undefined, after: State, o: ChangeOptions = {}): NodeScript[] {
  const out: NodeScript[] = []
  // without a cluster no node is programmed; with none before, nothing is there to remove
  const staying = after.cluster ? sortedNodes(after) : []
  // what the change touches is the same on every node: found once
  const touched = before?.cluster && after.cluster ? touchedServices(before, after) : undefined
  for (const node of staying) {
    if (o.skip?.has(node.name)) continue
    const whole = !before?.cluster || !before.nodes[node.name] || o.whole?.has(node.name)
    out.push(planNode({before: whole ? undefined : before, after, node, leaving: false, ...(whole || !touched ? {} : {touched})}, o.extra?.get(node.name), o.wholeAreas))
  }
  for (const node of before?.cluster ? sortedNodes(before) : []) {
    if (after.cluster && after.nodes[node.name]) continue
    out.push(planNode({before, after, node, leaving: true}))
  }
  return out
}

export const scriptOf = (s: NodeScript): Plan => s.parts.flatMap((p) => p.plan)
