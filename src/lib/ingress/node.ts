import {sortedNodes} from '../cluster/model.js'
import type {Plan} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import type {NodeRecord, State} from '../state/schema.js'
import {ingressModel} from './model.js'
import {renderNginx} from './nginx.js'
import {ingressStopPlan, ingressSyncPlan} from './plan.js'

/** The node that runs the controller: `cluster init --ingress-node`, else the first node by name. */
export function ingressNodeOf(state: State): NodeRecord | undefined {
  const wanted = state.cluster?.ingressNode
  return wanted ? state.nodes[wanted] : sortedNodes(state)[0]
}

/** Does the controller run on this node in this state (it is the ingress node and there is an Ingress)? */
export const serves = (state: State | undefined, node: string): boolean =>
  Boolean(state?.cluster) && ingressNodeOf(state!)?.name === node && Object.keys(state!.ingresses).length > 0

export const confOn = (state: State, node: NodeRecord) => renderNginx(ingressModel(state), node.address)

/**
 * The ingress controller's part of a node's script: nginx on the ingress node with the configuration
 * the state renders (checked, then reloaded), stopped where it should no longer run.
 */
export function ingressPlanner({before, after, node, leaving}: NodeChange): Plan {
  if (leaving) return before && ingressNodeOf(before)?.name === node.name ? ingressStopPlan() : []
  const now = serves(after, node.name)
  if (!before?.cluster) return now ? ingressSyncPlan(confOn(after, node)) : []
  const was = serves(before, node.name)
  if (!now) return was ? ingressStopPlan() : []
  if (was && confOn(before, node).conf === confOn(after, node).conf) return []
  return ingressSyncPlan(confOn(after, node))
}
