import {InputError} from '../errors.js'
import type {KindHandler} from '../manifest/kinds.js'
import {applyStatefulSet, deleteStatefulSet, validateStatefulSet, type StatefulSetInput} from './service.js'

const POLICIES = ['OrderedReady', 'Parallel'] as const
const STRATEGIES = ['RollingUpdate', 'OnDelete'] as const

interface V1Spec {
  replicas?: unknown
  serviceName?: unknown
  selector?: {matchLabels?: Record<string, string>}
  podManagementPolicy?: unknown
  updateStrategy?: {type?: unknown}
  ordinals?: {start?: unknown}
  template?: {metadata?: {labels?: Record<string, string>}; spec?: unknown}
}

/** An apps/v1 StatefulSet from its manifest (the fields were checked against its tree in supported.ts). */
export function parseStatefulSet(doc: Record<string, unknown>, namespace: string, where: string): StatefulSetInput {
  const m = (doc.metadata ?? {}) as {name: string; labels?: Record<string, string>}
  const spec = (doc.spec ?? {}) as V1Spec
  if (!spec.template) throw new InputError(`${where}: spec.template is required`, 'give the pods\' template (metadata.labels and spec.containers)')
  const policy = spec.podManagementPolicy ?? 'OrderedReady'
  if (!POLICIES.includes(policy as never)) throw new InputError(`${where}: spec.podManagementPolicy must be OrderedReady or Parallel, not ${JSON.stringify(policy)}`)
  const strategy = spec.updateStrategy?.type ?? 'RollingUpdate'
  if (!STRATEGIES.includes(strategy as never)) throw new InputError(`${where}: spec.updateStrategy.type must be RollingUpdate or OnDelete, not ${JSON.stringify(strategy)}`)
  const start = spec.ordinals?.start ?? 0
  if (!Number.isInteger(start) || (start as number) < 0) throw new InputError(`${where}: spec.ordinals.start must be a whole number >= 0`)
  const replicas = spec.replicas ?? 1
  if (!Number.isInteger(replicas) || (replicas as number) < 0) throw new InputError(`${where}: spec.replicas must be a whole number >= 0`)
  if (spec.serviceName !== undefined && typeof spec.serviceName !== 'string') throw new InputError(`${where}: spec.serviceName must be the name of a Service`)
  const input: StatefulSetInput = {
    namespace,
    name: m.name,
    labels: m.labels ?? {},
    replicas: replicas as number,
    selector: spec.selector?.matchLabels ?? {},
    ...(spec.serviceName ? {serviceName: spec.serviceName as string} : {}),
    podManagementPolicy: policy as StatefulSetInput['podManagementPolicy'],
    updateStrategy: strategy as StatefulSetInput['updateStrategy'],
    start: start as number,
    template: spec.template as Record<string, unknown>,
  }
  validateStatefulSet(input)
  return input
}

/** apps/v1 StatefulSet for `apply -f` / `delete -f`. */
export const statefulSetKind: KindHandler = {
  apiVersions: ['apps/v1'],
  stage: 'workload',
  parse(doc, namespace, where) {
    const input = parseStatefulSet(doc, namespace, where)
    return {kind: 'StatefulSet', namespace, name: input.name, value: input}
  },
  async apply(ctx, p) {
    const r = await applyStatefulSet(ctx, p.value as StatefulSetInput)
    if (!r.existed) return `statefulset.apps/${p.name} created`
    return `statefulset.apps/${p.name} ${r.created.length || r.deleted.length ? `configured (${r.statefulSet.replicas} replicas: +${r.created.length} -${r.deleted.length})` : 'unchanged'}`
  },
  async delete(ctx, namespace, name, o) {
    await deleteStatefulSet(ctx, namespace, name, o)
    return `statefulset.apps "${name}" deleted`
  },
}
