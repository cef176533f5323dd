import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {clusterReset} from '../../lib/cluster/service.js'

export default class ClusterReset extends BaseCommand<typeof ClusterReset> {
  static override summary = 'Remove everything mk8s made on every node, then forget the cluster'
  static override examples = ['<%= config.bin %> cluster reset', '<%= config.bin %> cluster reset --force   # also when a node cannot be reached']
  static override flags = {
    force: Flags.boolean({description: 'forget unreachable nodes instead of failing', default: false}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const res = await clusterReset(this.ctx, {force: this.flags.force})
    this.render(res, () => `cluster reset${res.removedNodes.length ? ` (nodes left: ${res.removedNodes.join(', ')})` : ''}`)
    return res
  }
}
