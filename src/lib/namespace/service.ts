import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {InputError, notFound} from '../errors.js'
import {deleteDeployment} from '../deploy/service.js'
import {deleteStatefulSet} from '../statefulset/service.js'
import {deleteIngress} from '../ingress/service.js'
import {deletePods} from '../pod/service.js'
import {deleteSecret} from '../secret/service.js'
import {deleteService} from '../svc/service.js'
import {deleteConfigMap} from '../configmap/kinds.js'
import {deleteEndpointSlice, deleteEndpoints} from '../endpoints/kinds.js'
import type {NamespaceRecord} from '../state/schema.js'
import {program} from '../pipeline/index.js'
import {NAME_LABEL, namespaceContents, namespaceExists, UNDELETABLE_NAMESPACES} from './model.js'

export interface NamespaceInput {
  name: string
  labels: Record<string, string>
}

/** A Namespace's record: its labels with kubernetes.io/metadata.name set to its name; the uid and time of the record before, if any. */
export const namespaceRecord = (input: NamespaceInput, old?: NamespaceRecord): NamespaceRecord => ({
  name: input.name,
  labels: {...input.labels, [NAME_LABEL]: input.name},
  uid: old?.uid ?? randomUUID(),
  createdAt: old?.createdAt ?? new Date().toISOString(),
})

/** Create a Namespace or change its labels; kubernetes.io/metadata.name is set to its name. Nothing on the hosts changes. */
export async function applyNamespace(ctx: Ctx, input: NamespaceInput): Promise<{created: boolean; changed: boolean; namespace: NamespaceRecord}> {
  return ctx.store.update((s) => {
    const old = s.namespaces[input.name]
    const rec = namespaceRecord(input, old)
    s.namespaces[input.name] = rec
    return {created: !old, changed: JSON.stringify(old) !== JSON.stringify(rec), namespace: rec}
  })
}

/**
 * Delete a namespace and everything in it, as Kubernetes does: its ingresses, services,
 * deployments and statefulsets (with their pods), the other pods, its secrets and ConfigMaps, each through its own area so
 * that the hosts follow; then the Namespace itself.
 */
export async function deleteNamespace(ctx: Ctx, name: string, o: {program?: boolean} = {}): Promise<{name: string; deleted: ReturnType<typeof namespaceContents>}> {
  if (UNDELETABLE_NAMESPACES.has(name)) throw new InputError(`namespace "${name}" cannot be deleted: every cluster has it`, `delete the objects in it instead (mk8s delete -f FILE -n ${name})`)
  const state = ctx.store.read()
  if (!namespaceExists(state, name)) throw notFound('namespace', name, 'mk8s ns list')
  const deleted = namespaceContents(state, name)
  const inNs = <T extends {namespace: string}>(xs: Record<string, T>): T[] => Object.values(xs).filter((x) => x.namespace === name)
  const later = {program: false}
  for (const i of inNs(state.ingresses)) await deleteIngress(ctx, name, i.name, later)
  for (const s of inNs(state.services)) await deleteService(ctx, name, s.name, later)
  for (const d of inNs(state.deployments)) await deleteDeployment(ctx, name, d.name, later)
  for (const d of inNs(state.statefulSets)) await deleteStatefulSet(ctx, name, d.name, later)
  const lone = inNs(ctx.store.read().pods)
  if (lone.length) await deletePods(ctx, lone, later)
  for (const s of inNs(state.secrets)) await deleteSecret(ctx, name, s.name, later)
  for (const m of inNs(state.configMaps)) await deleteConfigMap(ctx, name, m.name)
  for (const e of inNs(state.endpoints)) await deleteEndpoints(ctx, name, e.name, later)
  for (const e of inNs(state.endpointSlices)) await deleteEndpointSlice(ctx, name, e.name, later)
  await ctx.store.update((s) => {
    delete s.namespaces[name]
  })
  if (o.program !== false) await program(ctx)
  return {name, deleted}
}
