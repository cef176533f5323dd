import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {InputError, notFound} from '../errors.js'
import type {KindHandler} from '../manifest/kinds.js'
import {validateLabels} from '../pod/spec.js'
import type {IngressClassRecord} from '../state/schema.js'
import {validateName} from '../util/names.js'
import {DEFAULT_CLASS_ANNOTATION, MK8S_CONTROLLERS} from './classes.js'
import {program} from '../pipeline/index.js'

type IngressClassInput = Omit<IngressClassRecord, 'uid' | 'createdAt'>

/** Create or change an IngressClass; the controller follows, since which Ingresses it serves may change. */
export async function applyIngressClass(ctx: Ctx, input: IngressClassInput, o: {program?: boolean} = {}): Promise<{created: boolean; changed: boolean}> {
  const res = await ctx.store.update((s) => {
    const old = s.ingressClasses[input.name]
    const rec: IngressClassRecord = {name: input.name, uid: old?.uid ?? randomUUID(), controller: input.controller, isDefault: input.isDefault, labels: input.labels, annotations: input.annotations, createdAt: old?.createdAt ?? new Date().toISOString()}
    s.ingressClasses[input.name] = rec
    return {created: !old, changed: JSON.stringify(old) !== JSON.stringify(rec)}
  })
  if (o.program !== false) await program(ctx)
  return res
}

export async function deleteIngressClass(ctx: Ctx, name: string, o: {program?: boolean} = {}): Promise<void> {
  if (!ctx.store.read().ingressClasses[name]) throw notFound('ingressclass', name, 'mk8s export -A')
  await ctx.store.update((s) => {
    delete s.ingressClasses[name]
  })
  if (o.program !== false) await program(ctx)
}

/** networking.k8s.io/v1 IngressClass for `apply -f` / `delete -f` (cluster-scoped). */
export const ingressClassKind: KindHandler = {
  apiVersions: ['networking.k8s.io/v1'],
  stage: 'config',
  parse(doc, _namespace, where) {
    const m = (doc.metadata ?? {}) as {name: string; labels?: Record<string, string>; annotations?: Record<string, unknown>}
    validateName('ingressclass', m.name, 253)
    const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).map(([k, v]) => [k, String(v)]))
    const controller = (doc.spec as {controller?: unknown} | undefined)?.controller
    if (typeof controller !== 'string' || !/^[a-z0-9.-]+\/[A-Za-z0-9._/-]+$/.test(controller)) {
      throw new InputError(`${where}: spec.controller must be a domain-prefixed path, such as mk8s.io/ingress-nginx`, `mk8s serves the classes whose controller is ${MK8S_CONTROLLERS.join(' or ')}`)
    }
    const input: IngressClassInput = {name: m.name, controller, isDefault: annotations[DEFAULT_CLASS_ANNOTATION] === 'true', labels: validateLabels(m.labels ?? {}, where), annotations}
    return {kind: 'IngressClass', namespace: '', name: m.name, value: input}
  },
  async apply(ctx, p, o) {
    const r = await applyIngressClass(ctx, p.value as IngressClassInput, o)
    return `ingressclass.networking.k8s.io/${p.name} ${r.created ? 'created' : r.changed ? 'configured' : 'unchanged'}`
  },
  async delete(ctx, _namespace, name, o) {
    await deleteIngressClass(ctx, name, o)
    return `ingressclass.networking.k8s.io "${name}" deleted`
  },
}
