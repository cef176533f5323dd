import type {KindHandler} from '../manifest/kinds.js'
import {validateLabels} from '../pod/spec.js'
import {validateName} from '../util/names.js'
import {applySecret, deleteSecret} from './service.js'
import {parseSecret, type SecretInput} from './spec.js'

export const secretKind: KindHandler = {
  apiVersions: ['v1'],
  stage: 'config',
  parse(doc, namespace, where) {
    const m = (doc.metadata ?? {}) as {name: string; labels?: Record<string, string>}
    validateName('secret', m.name, 253)
    const input: SecretInput = {namespace, name: m.name, labels: validateLabels(m.labels ?? {}, where), ...parseSecret(doc, where)}
    return {kind: 'Secret', namespace, name: m.name, value: input}
  },
  async apply(ctx, p, o) {
    const r = await applySecret(ctx, p.value as SecretInput)
    return `secret/${p.name} ${r.created ? 'created' : r.changed ? 'configured' : 'unchanged'}`
  },
  async delete(ctx, namespace, name, o) {
    await deleteSecret(ctx, namespace, name, o)
    return `secret "${name}" deleted`
  },
}
