import {BaseCommand} from '../../lib/cli/base.js'
import {renderCluster} from '../../lib/cluster/render.js'
import {clusterStatus} from '../../lib/cluster/service.js'
import {renderNodes} from '../../lib/node/render.js'

export default class ClusterStatus extends BaseCommand<typeof ClusterStatus> {
  static override summary = 'Show the cluster settings and whether each node answers'
  static override examples = ['<%= config.bin %> cluster status', '<%= config.bin %> cluster status -o json | jq .counts']

  async run(): Promise<unknown> {
    const st = await clusterStatus(this.ctx)
    this.render(st, () =>
      st.cluster ? `cluster:\n${renderCluster(st.cluster)}\n\n${st.nodes.length ? renderNodes(st.nodes, false) : 'no nodes yet: mk8s node join NAME --ssh root@HOST'}` : 'no cluster: create one with "mk8s cluster init"',
    )
    return st
  }
}
