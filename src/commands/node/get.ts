import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {requireNode} from '../../lib/cluster/model.js'
import {renderNodes} from '../../lib/node/render.js'
import {refreshReadiness, toV1Node} from '../../lib/node/service.js'

export default class NodeGet extends BaseCommand<typeof NodeGet> {
  static override summary = 'Show one node (a v1 Node with -o json)'
  static override examples = ['<%= config.bin %> node get node1', '<%= config.bin %> node get node1 -o json | jq .spec.podCIDR']
  static override args = {name: Args.string({description: 'node name', required: true})}

  async run(): Promise<unknown> {
    requireNode(this.ctx.store.read(), this.args.name)
    const [n] = await refreshReadiness(this.ctx, [this.args.name])
    this.render(toV1Node(n, this.ctx.store.read().cluster), () => renderNodes([n], this.flags.output === 'wide'))
    return n
  }
}
