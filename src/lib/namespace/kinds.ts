import type {KindHandler} from '../manifest/kinds.js'
import {validateLabels} from '../pod/spec.js'
import {validateName} from '../util/names.js'
import {applyNamespace, deleteNamespace, type NamespaceInput} from './service.js'

/** v1 Namespace for `apply -f` / `delete -f` (deleting one deletes what is in it). */
export const namespaceKind: KindHandler = {
  apiVersions: ['v1'],
  stage: 'config',
  parse(doc, _namespace, where) {
    const m = (doc.metadata ?? {}) as {name: string; labels?: Record<string, string>}
    validateName('namespace', m.name)
    const input: NamespaceInput = {name: m.name, labels: validateLabels(m.labels ?? {}, `${where} metadata.labels`)}
    return {kind: 'Namespace', namespace: '', name: m.name, value: input}
  },
  async apply(ctx, p) {
    const r = await applyNamespace(ctx, p.value as NamespaceInput)
    return `namespace/${p.name} ${r.created ? 'created' : r.changed ? 'configured' : 'unchanged'}`
  },
  async delete(ctx, _namespace, name, o) {
    await deleteNamespace(ctx, name, o)
    return `namespace "${name}" deleted`
  },
}
