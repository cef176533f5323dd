import type {KindHandler} from '../manifest/kinds.js'
import {validateLabels} from '../pod/spec.js'
import {validateName} from '../util/names.js'
import {deletePolicy, putPolicies, type NetpolInput} from './service.js'
import {checkDocument, parseNetpolSpec} from './spec.js'

type Meta = {name: string; labels?: Record<string, string>; annotations?: Record<string, unknown>}

export const networkPolicyKind: KindHandler = {
  apiVersions: ['networking.k8s.io/v1'],
  stage: 'config',
  parse(doc, namespace, where) {
    checkDocument(doc, where)
    const m = (doc.metadata ?? {}) as Meta
    validateName('networkpolicy', m.name, 253)
    const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).map(([k, v]) => [k, String(v)]))
    const input: NetpolInput = {namespace, name: m.name, labels: validateLabels(m.labels ?? {}, where), annotations, spec: parseNetpolSpec(doc.spec, where)}
    return {kind: 'NetworkPolicy', namespace, name: m.name, value: input}
  },
  async apply(ctx, p, o) {
    return (await this.applyMany!(ctx, [p], o))[0]
  },
  async applyMany(ctx, ps, o) {
    const rs = await putPolicies(ctx, ps.map((p) => p.value as NetpolInput), o)
    return rs.map((r) => `networkpolicy.networking.k8s.io/${r.policy.name} ${r.action}`)
  },
  async delete(ctx, namespace, name, o) {
    await deletePolicy(ctx, namespace, name, o)
    return `networkpolicy.networking.k8s.io "${name}" deleted`
  },
}
