import {BaseCommand} from '../../lib/cli/base.js'
import {renderNodes} from '../../lib/node/render.js'
import {refreshReadiness, toV1Node} from '../../lib/node/service.js'

export default class NodeList extends BaseCommand<typeof NodeList> {
  static override summary = 'List the nodes; each is asked at once whether it answers'
  static override aliases = ['node ls', 'nodes']
  static override examples = ['<%= config.bin %> node list', '<%= config.bin %> node list -o wide', '<%= config.bin %> node list -o json | jq -r ".items[].spec.podCIDR"']

  async run(): Promise<unknown> {
    const nodes = await refreshReadiness(this.ctx)
    const cluster = this.ctx.store.read().cluster
    this.render({apiVersion: 'v1', kind: 'List', items: nodes.map((n) => toV1Node(n, cluster))}, () =>
      nodes.length ? renderNodes(nodes, this.flags.output === 'wide') : 'No nodes: join one with "mk8s node join NAME --ssh root@HOST".',
    )
    return nodes
  }
}
