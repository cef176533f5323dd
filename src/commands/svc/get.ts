import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {getService} from '../../lib/svc/service.js'
import {describeService, toV1Service} from '../../lib/svc/v1.js'

export default class SvcGet extends BaseCommand<typeof SvcGet> {
  static override summary = 'Show one service with its endpoints (-o json: a v1 Service)'
  static override examples = ['<%= config.bin %> svc get web', '<%= config.bin %> svc get web -o json | jq -r ".spec.ports[0].nodePort"', '<%= config.bin %> svc get web-lb -o json | jq -r ".status.loadBalancer.ingress[0].ip"']
  static override args = {name: Args.string({description: 'service name', required: true})}

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const s = getService(state, this.flags.namespace, this.args.name)
    this.render(toV1Service(s), () => describeService(state, s))
    return s
  }
}
