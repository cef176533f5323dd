import {InputError} from '../errors.js'
import type {KindHandler} from '../manifest/kinds.js'
import {parseV1Service, type ServiceInput} from './manifest.js'
import {deleteService, putServices} from './service.js'

/** v1 Service for `apply -f` / `delete -f`. */
export const serviceKind: KindHandler = {
  apiVersions: ['v1'],
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
  async apply(ctx, p) {
    const {results} = await putServices(ctx, [p.value as ServiceInput])
    return `service/${p.name} ${results[0].action}`
  },
  async delete(ctx, namespace, name) {
    await deleteService(ctx, namespace, name)
    return `service "${name}" deleted`
  },
}
