import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {requireCluster} from '../cluster/model.js'
import {program} from '../pipeline/index.js'
import {notFound} from '../errors.js'
import {objKey, type IngressRecord, type State} from '../state/schema.js'
import type {IngressSpec} from './spec.js'

export interface IngressInput {
  namespace: string
  name: string
  labels: Record<string, string>
  annotations: Record<string, string>
  spec: IngressSpec
}

export {ingressNodeOf} from './node.js'

export function requireIngress(state: State, namespace: string, name: string): IngressRecord {
  const i = state.ingresses[objKey(namespace, name)]
  if (!i) throw notFound('ingress', `${name}" in namespace "${namespace}`, 'mk8s ingress list')
  return i
}

/** Create or update an Ingress, then sync the controller. */
export async function applyIngress(ctx: Ctx, input: IngressInput, o: {program?: boolean} = {}): Promise<{ingress: IngressRecord; created: boolean; changed: boolean}> {
  requireCluster(ctx.store.read())
  const key = objKey(input.namespace, input.name)
  const res = await ctx.store.update((s) => {
    const old = s.ingresses[key]
    const rec: IngressRecord = {
      namespace: input.namespace,
      name: input.name,
      uid: old?.uid ?? randomUUID(),
      labels: input.labels,
      annotations: input.annotations,
      spec: input.spec,
      createdAt: old?.createdAt ?? new Date().toISOString(),
    }
    const changed = JSON.stringify(old) !== JSON.stringify(rec)
    s.ingresses[key] = rec
    return {ingress: rec, created: !old, changed}
  })
  if (o.program !== false) await program(ctx)
  return res
}

export async function deleteIngress(ctx: Ctx, namespace: string, name: string, o: {program?: boolean} = {}): Promise<IngressRecord> {
  const ing = requireIngress(ctx.store.read(), namespace, name)
  await ctx.store.update((s) => {
    delete s.ingresses[objKey(namespace, name)]
  })
  if (o.program !== false) await program(ctx)
  return ing
}

export function listIngresses(state: State, namespace: string | undefined): IngressRecord[] {
  return Object.values(state.ingresses)
    .filter((i) => namespace === undefined || i.namespace === namespace)
    .sort((a, b) => objKey(a.namespace, a.name).localeCompare(objKey(b.namespace, b.name)))
}

