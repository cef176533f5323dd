import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {afterDashDash, nodeFlag} from '../../lib/cli/flags.js'
import {netnsExec} from '../../lib/netns/service.js'

export default class NetnsExec extends BaseCommand<typeof NetnsExec> {
  static override summary = 'Run a command inside a namespace on its node (ip netns exec)'
  static override examples = ['<%= config.bin %> netns exec red -- ip -br addr', '<%= config.bin %> netns exec red -- ping -c1 10.0.0.2']
  static override strict = false
  static override args = {name: Args.string({description: 'namespace name', required: true})}
  static override flags = {...nodeFlag}

  async run(): Promise<unknown> {
    process.exitCode = await netnsExec(this.ctx, this.args.name, afterDashDash(this.argv), this.flags.node)
    return process.exitCode
  }
}
