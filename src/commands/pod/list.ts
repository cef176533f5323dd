import {Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {renderPods} from '../../lib/pod/render.js'
import {listPods, livePods} from '../../lib/pod/service.js'
import {parseLabels} from '../../lib/pod/spec.js'
import {toV1Pod} from '../../lib/pod/v1.js'

export default class PodList extends BaseCommand<typeof PodList> {
  static override summary = 'List pods with their live status (each node is asked once)'
  static override aliases = ['pod ls', 'pods']
  static override examples = ['<%= config.bin %> pod list', '<%= config.bin %> pod list -l app=web -o wide', '<%= config.bin %> pod list -A -o json | jq -r ".items[].status.podIP"']
  static override flags = {
    selector: Flags.string({char: 'l', description: 'label selector k=v[,k=v]'}),
    'all-namespaces': Flags.boolean({char: 'A', description: 'pods of every namespace', default: false}),
  }

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const selector = this.flags.selector ? parseLabels(this.flags.selector.split(',')) : undefined
    const pods = listPods(state, this.flags['all-namespaces'] ? undefined : this.flags.namespace, selector)
    const live = await livePods(this.ctx, pods)
    this.render({apiVersion: 'v1', kind: 'List', items: live.map((l) => toV1Pod(l.pod, l, state.nodes[l.pod.node]?.address))}, () =>
      pods.length ? renderPods(live, this.flags.output === 'wide', this.flags['all-namespaces']) : `No pods in namespace ${this.flags.namespace}.`,
    )
    return live
  }
}
