import {Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {renderIngresses} from '../../lib/ingress/render.js'
import {listIngresses} from '../../lib/ingress/service.js'
import {ingressAddress, toV1Ingress} from '../../lib/ingress/v1.js'
import {served} from '../../lib/ingress/classes.js'

export default class IngressList extends BaseCommand<typeof IngressList> {
  static override summary = 'List ingresses with their hosts and the controller address (ADDRESS)'
  static override aliases = ['ingress ls', 'ingresses']
  static override examples = ['<%= config.bin %> ingress list', '<%= config.bin %> ingress list -A -o json | jq -r ".items[].status.loadBalancer.ingress[0].ip"']
  static override flags = {
    'all-namespaces': Flags.boolean({char: 'A', description: 'ingresses of every namespace', default: false}),
  }

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const all = this.flags['all-namespaces']
    const list = listIngresses(state, all ? undefined : this.flags.namespace)
    const address = ingressAddress(state)
    this.render({apiVersion: 'v1', kind: 'List', items: list.map((i) => toV1Ingress(i, served(state, i) ? address : undefined))}, () =>
      list.length ? renderIngresses(list, address, all) : `No ingresses in namespace ${this.flags.namespace}.`,
    )
    return list
  }
}
