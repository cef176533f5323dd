import {InputError} from '../errors.js'
import type {KindHandler} from '../manifest/kinds.js'
import {parseV1Service, type ServiceInput} from './manifest.js'
import {deleteServices, putServices} from './service.js'

/** v1 Service for `apply -f` / `delete -f`. */
export const serviceKind: KindHandler = {
  apiVersions: ['v1'],
  stage: 'config',
  parse(doc, namespace, where) {
    let input: ServiceInput
    try {
      input = parseV1Service({...doc, metadata: {...(doc.metadata as object), namespace}}, namespace)
    } catch (error) {
      if (error instanceof InputError) throw new InputError(`${where}: ${error.message}`, error.hint)
      throw error
    }
    return {kind: 'Service', namespace, name: input.name, value: input}
  },
  async apply(ctx, p, o) {
    return (await this.applyMany!(ctx, [p], o))[0]
  },
  async applyMany(ctx, ps, o) {
    const {results} = await putServices(ctx, ps.map((p) => p.value as ServiceInput), o)
    return results.map((r) => `service/${r.service.name} ${r.action}`)
  },
  async delete(ctx, namespace, name, o) {
    await deleteServices(ctx, [{namespace, name}], o)
    return `service "${name}" deleted`
  },
}
