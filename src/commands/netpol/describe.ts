import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {describePolicy, toV1NetworkPolicy} from '../../lib/netpol/render.js'
import {requirePolicy} from '../../lib/netpol/service.js'

export default class NetpolDescribe extends BaseCommand<typeof NetpolDescribe> {
  static override summary = "A NetworkPolicy's rules in words (as kubectl describe), and the pods it selects now"
  static override examples = ['<%= config.bin %> netpol describe allow-b -n x']
  static override args = {name: Args.string({description: 'policy name', required: true})}

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const p = requirePolicy(state, this.flags.namespace, this.args.name)
    this.render(toV1NetworkPolicy(p), () => describePolicy(state, p))
    return p
  }
}
