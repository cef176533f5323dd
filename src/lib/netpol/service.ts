import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {hostOf, requireCluster, sortedNodes} from '../cluster/hosts.js'
import {notFound} from '../errors.js'
import {objectsChanged} from '../node/hooks.js'
import {objKey, type NetworkPolicyRecord, type NodeRecord, type State} from '../state/schema.js'
import {netpolNodePlan, netpolRemovePlan} from './plan.js'
import type {NetpolSpec} from './spec.js'

export interface NetpolInput {
  namespace: string
  name: string
  labels: Record<string, string>
  annotations: Record<string, string>
  spec: NetpolSpec
}

export type PutResult = {policy: NetworkPolicyRecord; action: 'created' | 'configured' | 'unchanged'}

/** Create or update policies: one state change, then every node's table follows in the same command. */
export async function putPolicies(ctx: Ctx, inputs: NetpolInput[]): Promise<PutResult[]> {
  requireCluster(ctx.store.read())
  const {before, after, results} = await ctx.store.update((s) => {
    const before = structuredClone(s)
    const results = inputs.map((input): PutResult => {
      const key = objKey(input.namespace, input.name)
      const old = s.networkPolicies[key]
      const rec: NetworkPolicyRecord = {...input, spec: input.spec as Record<string, unknown>, uid: old?.uid ?? randomUUID(), createdAt: old?.createdAt ?? new Date().toISOString()}
      s.networkPolicies[key] = rec
      return {policy: rec, action: !old ? 'created' : JSON.stringify(old) === JSON.stringify(rec) ? 'unchanged' : 'configured'}
    })
    return {before, after: structuredClone(s), results}
  })
  if (results.some((r) => r.action !== 'unchanged')) await objectsChanged(ctx, before, after)
  return results
}

export async function deletePolicy(ctx: Ctx, namespace: string, name: string): Promise<NetworkPolicyRecord> {
  const key = objKey(namespace, name)
  const {before, after, policy} = await ctx.store.update((s) => {
    const policy = s.networkPolicies[key]
    if (!policy) throw notFound('networkpolicy', `${name}" in namespace "${namespace}`, 'mk8s netpol list')
    const before = structuredClone(s)
    delete s.networkPolicies[key]
    return {before, after: structuredClone(s), policy}
  })
  await objectsChanged(ctx, before, after)
  return policy
}

export function requirePolicy(state: State, namespace: string, name: string): NetworkPolicyRecord {
  const p = state.networkPolicies[objKey(namespace, name)]
  if (!p) throw notFound('networkpolicy', `${name}" in namespace "${namespace}`, 'mk8s netpol list')
  return p
}

export const listPolicies = (state: State, namespace?: string): NetworkPolicyRecord[] =>
  Object.values(state.networkPolicies)
    .filter((p) => !namespace || p.namespace === namespace)
    .sort((a, b) => objKey(a.namespace, a.name).localeCompare(objKey(b.namespace, b.name)))

// --- hooks (registered in wiring.ts; the pipeline of issue 13 calls netpolNodePlan itself) ---

/** objectsChanged: pods, namespaces or policies changed: every node's sets and chains follow. */
export async function netpolOnObjectsChanged(ctx: Ctx, before: State, after: State): Promise<void> {
  if (!after.cluster) return
  const plans = sortedNodes(after).map((n) => [hostOf(n), netpolNodePlan(before, after, n)] as const)
  await ctx.exec.applyAll(plans.filter(([, p]) => p.length > 0))
}

/** join: the whole table on the new node. */
export async function netpolOnJoin(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  if (!state.cluster) return
  await ctx.exec.apply(hostOf(node), netpolNodePlan(undefined, state, node))
}

/** leave: the table goes. */
export async function netpolOnLeave(ctx: Ctx, _state: State, node: NodeRecord): Promise<void> {
  await ctx.exec.apply(hostOf(node), netpolRemovePlan())
}
