import {Args} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {deleteNamespace} from '../../lib/namespace/service.js'

export default class NsDelete extends BaseCommand<typeof NsDelete> {
  static override summary = 'Delete a namespace and everything in it: ingresses, services, deployments, statefulsets, pods, secrets'
  static override aliases = ['ns rm']
  static override examples = ['<%= config.bin %> ns delete shop', '<%= config.bin %> ns delete shop --dry-run']
  static override args = {name: Args.string({description: 'namespace name', required: true})}
  static override flags = {...dryRunFlag}

  async run(): Promise<unknown> {
    const r = await deleteNamespace(this.ctx, this.args.name)
    this.render({kind: 'Status', status: 'Success', details: {name: r.name, kind: 'namespaces'}}, () => `namespace "${r.name}" deleted`)
    return r
  }
}
