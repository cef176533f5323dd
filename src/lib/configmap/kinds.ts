import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {InputError, notFound} from '../errors.js'
import type {KindHandler} from '../manifest/kinds.js'
import {validateLabels} from '../pod/spec.js'
import {objKey, type ConfigMapRecord} from '../state/schema.js'
import {validateSubdomain} from '../util/names.js'

type ConfigMapInput = Omit<ConfigMapRecord, 'uid' | 'createdAt'>

const KEY = /^[-._a-zA-Z0-9]+$/

/**
 * Create or change a ConfigMap. Pods read it when they start (env valueFrom.configMapKeyRef,
 * envFrom): as in Kubernetes, a running pod's environment does not change with it.
 */
export async function applyConfigMap(ctx: Ctx, input: ConfigMapInput): Promise<{created: boolean; changed: boolean}> {
  const key = objKey(input.namespace, input.name)
  return ctx.store.update((s) => {
    const old = s.configMaps[key]
    const rec: ConfigMapRecord = {namespace: input.namespace, name: input.name, uid: old?.uid ?? randomUUID(), labels: input.labels, data: input.data, createdAt: old?.createdAt ?? new Date().toISOString()}
    s.configMaps[key] = rec
    return {created: !old, changed: JSON.stringify(old) !== JSON.stringify(rec)}
  })
}

export async function deleteConfigMap(ctx: Ctx, namespace: string, name: string): Promise<void> {
  const key = objKey(namespace, name)
  if (!ctx.store.read().configMaps[key]) throw notFound('configmap', `${name}" in namespace "${namespace}`, 'mk8s export')
  await ctx.store.update((s) => {
    delete s.configMaps[key]
  })
}

/** v1 ConfigMap for `apply -f` / `delete -f`. */
export const configMapKind: KindHandler = {
  apiVersions: ['v1'],
  stage: 'config',
  parse(doc, namespace, where) {
    const m = (doc.metadata ?? {}) as {name: string; labels?: Record<string, string>}
    validateSubdomain('configmap', m.name)
    const raw = doc.data ?? {}
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${where}: data must be a mapping of keys to strings`)
    const data: Record<string, string> = {}
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (!KEY.test(k)) throw new InputError(`${where}: data key ${JSON.stringify(k)} is not a valid key`, "keys are letters, digits, '-', '_' and '.'")
      if (typeof v !== 'string') throw new InputError(`${where}: data["${k}"] must be a string`, `quote it: "${String(v)}"`)
      data[k] = v
    }
    const input: ConfigMapInput = {namespace, name: m.name, labels: validateLabels(m.labels ?? {}, where), data}
    return {kind: 'ConfigMap', namespace, name: m.name, value: input}
  },
  async apply(ctx, p) {
    const r = await applyConfigMap(ctx, p.value as ConfigMapInput)
    return `configmap/${p.name} ${r.created ? 'created' : r.changed ? 'configured' : 'unchanged'}`
  },
  async delete(ctx, namespace, name) {
    await deleteConfigMap(ctx, namespace, name)
    return `configmap "${name}" deleted`
  },
}
