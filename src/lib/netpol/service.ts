import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {requireCluster} from '../cluster/model.js'
import {notFound} from '../errors.js'
import {program} from '../pipeline/index.js'
import {objKey, type NetworkPolicyRecord, type State} from '../state/schema.js'
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
export async function putPolicies(ctx: Ctx, inputs: NetpolInput[], o: {program?: boolean} = {}): Promise<PutResult[]> {
  requireCluster(ctx.store.read())
  const results = await ctx.store.update((s) => {
    const results = inputs.map((input): PutResult => {
      const key = objKey(input.namespace, input.name)
      const old = s.networkPolicies[key]
      const rec: NetworkPolicyRecord = {...input, uid: old?.uid ?? randomUUID(), createdAt: old?.createdAt ?? new Date().toISOString()}
      s.networkPolicies[key] = rec
      return {policy: rec, action: !old ? 'created' : JSON.stringify(old) === JSON.stringify(rec) ? 'unchanged' : 'configured'}
    })
    return results
  })
  if (o.program !== false) await program(ctx)
  return results
}

export async function deletePolicy(ctx: Ctx, namespace: string, name: string, o: {program?: boolean} = {}): Promise<NetworkPolicyRecord> {
  const key = objKey(namespace, name)
  const policy = await ctx.store.update((s) => {
    const policy = s.networkPolicies[key]
    if (!policy) throw notFound('networkpolicy', `${name}" in namespace "${namespace}`, 'mk8s netpol list')
    delete s.networkPolicies[key]
    return policy
  })
  if (o.program !== false) await program(ctx)
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

