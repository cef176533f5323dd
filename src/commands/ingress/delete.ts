import {Args} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {deleteIngress} from '../../lib/ingress/service.js'

export default class IngressDelete extends BaseCommand<typeof IngressDelete> {
  static override summary = "Delete an ingress: the controller's nginx is re-rendered and reloaded (stopped with the last ingress)"
  static override aliases = ['ingress rm']
  static override examples = ['<%= config.bin %> ingress delete test', '<%= config.bin %> ingress delete test --dry-run']
  static override args = {name: Args.string({description: 'ingress name', required: true})}
  static override flags = {...dryRunFlag}

  async run(): Promise<unknown> {
    const ing = await deleteIngress(this.ctx, this.flags.namespace, this.args.name)
    this.render({kind: 'Status', status: 'Success', details: {name: ing.name, kind: 'ingresses'}}, () => `ingress "${ing.name}" deleted`)
    return ing
  }
}
