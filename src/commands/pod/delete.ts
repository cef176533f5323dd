import {Args} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {deletePod} from '../../lib/pod/service.js'

export default class PodDelete extends BaseCommand<typeof PodDelete> {
  static override summary = 'Delete a pod: its containers, veth and address lease, and its endpoints in every service'
  static override aliases = ['pod rm']
  static override examples = ['<%= config.bin %> pod delete web', '<%= config.bin %> pod delete web --dry-run']
  static override args = {name: Args.string({description: 'pod name', required: true})}
  static override flags = {...dryRunFlag}

  async run(): Promise<unknown> {
    const pod = await deletePod(this.ctx, this.flags.namespace, this.args.name)
    this.render({kind: 'Status', status: 'Success', details: {name: pod.name, kind: 'pods'}}, () => `pod "${pod.name}" deleted`)
    return pod
  }
}
