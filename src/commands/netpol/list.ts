import {Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {renderPolicies, toV1NetworkPolicy} from '../../lib/netpol/render.js'
import {listPolicies} from '../../lib/netpol/service.js'

export default class NetpolList extends BaseCommand<typeof NetpolList> {
  static override summary = 'List NetworkPolicies with the pods they select (POD-SELECTOR)'
  static override aliases = ['netpol ls', 'networkpolicies']
  static override examples = ['<%= config.bin %> netpol list -n x', '<%= config.bin %> netpol list -A -o json | jq -r ".items[].metadata.name"']
  static override flags = {
    'all-namespaces': Flags.boolean({char: 'A', description: 'policies of every namespace', default: false}),
  }

  async run(): Promise<unknown> {
    const all = this.flags['all-namespaces']
    const list = listPolicies(this.ctx.store.read(), all ? undefined : this.flags.namespace)
    this.render({apiVersion: 'v1', kind: 'List', items: list.map(toV1NetworkPolicy)}, () => (list.length ? renderPolicies(list, all) : `No resources found in ${this.flags.namespace} namespace.`))
    return list
  }
}
