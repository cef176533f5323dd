import {BaseCommand} from '../../lib/cli/base.js'
import {table} from '../../lib/cli/table.js'
import {listNamespaces, toV1Namespace} from '../../lib/namespace/model.js'
import {age} from '../../lib/util/age.js'

export default class NsList extends BaseCommand<typeof NsList> {
  static override summary = 'List namespaces: NAME STATUS AGE (like kubectl get ns); -o wide adds their labels'
  static override description =
    'Applied Namespaces, the built-in ones every cluster has, and any namespace an object is in. Every namespace has the ' +
    'label kubernetes.io/metadata.name=NAME, as Kubernetes sets it.'
  static override aliases = ['ns ls', 'namespaces']
  static override examples = ['<%= config.bin %> ns list', '<%= config.bin %> ns list -o json | jq -r ".items[].metadata.labels"']

  async run(): Promise<unknown> {
    const items = listNamespaces(this.ctx.store.read())
    const wide = this.flags.output === 'wide'
    this.render({apiVersion: 'v1', kind: 'List', items: items.map(toV1Namespace)}, () =>
      table(
        ['name', 'status', 'age', ...(wide ? ['labels'] : [])],
        items.map((n) => [n.name, 'Active', n.createdAt ? age(n.createdAt) : '<unknown>', ...(wide ? [Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(',')] : [])]),
      ),
    )
    return items
  }
}
