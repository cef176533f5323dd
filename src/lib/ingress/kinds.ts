import type {KindHandler} from '../manifest/kinds.js'
import {ingressProblems} from './classes.js'
import {validateLabels} from '../pod/spec.js'
import {validateName} from '../util/names.js'
import {applyIngress, deleteIngress, type IngressInput} from './service.js'
import {parseIngressSpec} from './spec.js'

const meta = (doc: Record<string, unknown>) => (doc.metadata ?? {}) as {name: string; labels?: Record<string, string>; annotations?: Record<string, unknown>}

export const ingressKind: KindHandler = {
  apiVersions: ['networking.k8s.io/v1'],
  stage: 'config',
  parse(doc, namespace, where) {
    const m = meta(doc)
    validateName('ingress', m.name, 253)
    const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).map(([k, v]) => [k, String(v)]))
    const input: IngressInput = {namespace, name: m.name, labels: validateLabels(m.labels ?? {}, where), annotations, spec: parseIngressSpec(doc.spec, where)}
    return {kind: 'Ingress', namespace, name: m.name, value: input}
  },
  async apply(ctx, p, o) {
    const r = await applyIngress(ctx, p.value as IngressInput)
    const problems = ingressProblems(ctx.store.read(), r.ingress)
    return `ingress.networking.k8s.io/${p.name} ${r.created ? 'created' : r.changed ? 'configured' : 'unchanged'}${problems.map((x) => `\n  warning: ${x}`).join('')}`
  },
  async delete(ctx, namespace, name, o) {
    await deleteIngress(ctx, namespace, name, o)
    return `ingress.networking.k8s.io "${name}" deleted`
  },
}
