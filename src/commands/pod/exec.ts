import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {afterDashDash} from '../../lib/cli/flags.js'
import {execPod} from '../../lib/pod/service.js'

export default class PodExec extends BaseCommand<typeof PodExec> {
  static override summary = 'Run a command in a container of a pod (docker exec on its node)'
  static override examples = ['<%= config.bin %> pod exec web -- ip addr show eth0', '<%= config.bin %> pod exec web -c sidecar -- wget -qO- http://localhost:80/', '<%= config.bin %> pod exec -it client -- sh']
  static override strict = false
  static override args = {name: Args.string({description: 'pod name', required: true})}
  static override flags = {
    container: Flags.string({char: 'c', description: 'container name [default: the first]'}),
    tty: Flags.boolean({char: 't', description: 'allocate a terminal', default: false}),
    stdin: Flags.boolean({char: 'i', description: 'keep stdin open (always on; accepted for kubectl habits)', default: false}),
  }

  async run(): Promise<unknown> {
    process.exitCode = await execPod(this.ctx, this.flags.namespace, this.args.name, afterDashDash(this.argv), {container: this.flags.container, tty: this.flags.tty})
    return process.exitCode
  }
}
