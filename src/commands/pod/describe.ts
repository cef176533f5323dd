import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {renderDescribe} from '../../lib/pod/render.js'
import {describePod} from '../../lib/pod/service.js'
import {toV1Pod} from '../../lib/pod/v1.js'

export default class PodDescribe extends BaseCommand<typeof PodDescribe> {
  static override summary = "Show a pod in detail: node, IP, veth, containers' state, and the last log lines of any that stopped"
  static override examples = ['<%= config.bin %> pod describe web']
  static override args = {name: Args.string({description: 'pod name', required: true})}

  async run(): Promise<unknown> {
    const d = await describePod(this.ctx, this.flags.namespace, this.args.name)
    this.render({...toV1Pod(d.pod, d), logs: d.logs}, () => renderDescribe(d))
    return d
  }
}
