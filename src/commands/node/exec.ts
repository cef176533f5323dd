import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {nodeExec} from '../../lib/node/service.js'
import {afterDashDash} from '../../lib/cli/flags.js'

export default class NodeExec extends BaseCommand<typeof NodeExec> {
  static override summary = 'Run a command on a node itself, the way mk8s reaches it (SSH or local)'
  static override examples = ['<%= config.bin %> node exec node1 -- ip -br addr', '<%= config.bin %> node exec node2 -- iptables-save -t nat', '<%= config.bin %> node exec node1 -- bridge fdb show dev flannel.1']
  static override strict = false
  static override args = {name: Args.string({description: 'node name', required: true})}

  async run(): Promise<unknown> {
    const code = await nodeExec(this.ctx, this.args.name, afterDashDash(this.argv))
    process.exitCode = code
    return code
  }
}
