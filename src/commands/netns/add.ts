import {Args} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {nodeFlag} from '../../lib/cli/flags.js'
import {netnsAdd} from '../../lib/netns/service.js'

export default class NetnsAdd extends BaseCommand<typeof NetnsAdd> {
  static override summary = 'Make a network namespace on a node (ip netns add), with lo up'
  static override examples = ['<%= config.bin %> netns add red', '<%= config.bin %> netns add blue --node node2']
  static override args = {name: Args.string({description: 'namespace name (DNS-1123 label)', required: true})}
  static override flags = {...nodeFlag, ...dryRunFlag}

  async run(): Promise<unknown> {
    const r = await netnsAdd(this.ctx, this.args.name, this.flags.node)
    this.render(r.record, () => `namespace ${r.record.name} ${r.created ? 'created' : 'already exists'} on ${r.record.node}`)
    return r
  }
}
