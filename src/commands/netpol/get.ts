import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {renderPolicies, toV1NetworkPolicy} from '../../lib/netpol/render.js'
import {requirePolicy} from '../../lib/netpol/service.js'

export default class NetpolGet extends BaseCommand<typeof NetpolGet> {
  static override summary = 'Show one NetworkPolicy (a networking.k8s.io/v1 NetworkPolicy with -o json)'
  static override examples = ['<%= config.bin %> netpol get deny-all -n x', '<%= config.bin %> netpol get deny-all -n x -o json | jq .spec.policyTypes']
  static override args = {name: Args.string({description: 'policy name', required: true})}

  async run(): Promise<unknown> {
    const p = requirePolicy(this.ctx.store.read(), this.flags.namespace, this.args.name)
    this.render(toV1NetworkPolicy(p), () => renderPolicies([p], false))
    return p
  }
}
