import {Args} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {deleteService} from '../../lib/svc/service.js'
import {toV1Service} from '../../lib/svc/v1.js'

export default class SvcDelete extends BaseCommand<typeof SvcDelete> {
  static override summary = 'Delete a service and every rule it had on every node'
  static override aliases = ['svc rm']
  static override examples = ['<%= config.bin %> svc delete web', '<%= config.bin %> svc delete web -n shop --dry-run']
  static override args = {name: Args.string({description: 'service name', required: true})}
  static override flags = {...dryRunFlag}

  async run(): Promise<unknown> {
    const r = await deleteService(this.ctx, this.flags.namespace, this.args.name)
    this.render(toV1Service(r.service), () => `service/${r.service.name} deleted`)
    return r
  }
}
