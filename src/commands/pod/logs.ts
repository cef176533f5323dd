import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {podLogs} from '../../lib/pod/service.js'

export default class PodLogs extends BaseCommand<typeof PodLogs> {
  static override summary = "Print a container's logs"
  static override examples = ['<%= config.bin %> pod logs web', '<%= config.bin %> pod logs web -c sidecar --tail 20 -f']
  static override args = {name: Args.string({description: 'pod name', required: true})}
  static override flags = {
    container: Flags.string({char: 'c', description: 'container name [default: the first]'}),
    follow: Flags.boolean({char: 'f', description: 'keep following', default: false}),
    tail: Flags.integer({description: 'only the last N lines'}),
  }

  async run(): Promise<unknown> {
    process.exitCode = await podLogs(this.ctx, this.flags.namespace, this.args.name, {container: this.flags.container, follow: this.flags.follow, tail: this.flags.tail})
    return process.exitCode
  }
}
