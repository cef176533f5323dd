import {Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {table} from '../../lib/cli/table.js'
import {listServices} from '../../lib/svc/service.js'
import {serviceRow, toV1Service} from '../../lib/svc/v1.js'

export default class SvcList extends BaseCommand<typeof SvcList> {
  static override summary = 'List services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE (like kubectl get svc)'
  static override aliases = ['svc ls']
  static override examples = ['<%= config.bin %> svc list', '<%= config.bin %> svc list -o wide', '<%= config.bin %> svc list -A -o json | jq -r ".items[].spec.clusterIP"']
  static override flags = {'all-namespaces': Flags.boolean({char: 'A', description: 'services of every namespace', default: false})}

  async run(): Promise<unknown> {
    const all = this.flags['all-namespaces']
    const items = listServices(this.ctx.store.read(), all ? undefined : this.flags.namespace)
    const wide = this.flags.output === 'wide'
    this.render({apiVersion: 'v1', kind: 'List', items: items.map(toV1Service)}, () =>
      items.length
        ? table([...(all ? ['namespace'] : []), 'name', 'type', 'cluster-ip', 'external-ip', 'port(s)', 'age', ...(wide ? ['selector'] : [])], items.map((s) => [...(all ? [s.namespace] : []), ...serviceRow(s, wide)]))
        : `No services in ${all ? 'any namespace' : `namespace ${this.flags.namespace}`}: make one with "mk8s svc expose deployment/NAME --port P".`,
    )
    return items
  }
}
