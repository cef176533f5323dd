import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {nodeLeave} from '../../lib/node/service.js'

export default class NodeLeave extends BaseCommand<typeof NodeLeave> {
  static override summary = 'Remove a node: what join made on it, and its routes and entries on every other node'
  static override examples = ['<%= config.bin %> node leave node3', '<%= config.bin %> node leave node3 --force   # forget it even if unreachable']
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {
    force: Flags.boolean({description: 'forget the node even when it cannot be cleaned (unreachable), and delete its pods', default: false}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const n = await nodeLeave(this.ctx, this.args.name, {force: this.flags.force})
    this.render({name: n.name, removed: true}, () => `node ${n.name} left the cluster`)
    return n
  }
}
