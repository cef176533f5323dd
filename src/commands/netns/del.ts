import {Args} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {nodeFlag} from '../../lib/cli/flags.js'
import {netnsDel} from '../../lib/netns/service.js'

export default class NetnsDel extends BaseCommand<typeof NetnsDel> {
  static override summary = 'Delete a namespace (its veths go with it) or a bridge made by netns bridge'
  static override aliases = ['netns delete']
  static override examples = ['<%= config.bin %> netns del red', '<%= config.bin %> netns del br0 --node node1']
  static override args = {name: Args.string({description: 'namespace or bridge name', required: true})}
  static override flags = {...nodeFlag, ...dryRunFlag}

  async run(): Promise<unknown> {
    const r = await netnsDel(this.ctx, this.args.name, this.flags.node)
    this.render(r, () => `${r.kind} ${r.name} deleted on ${r.node}`)
    return r
  }
}
