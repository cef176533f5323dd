import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {renderPods} from '../../lib/pod/render.js'
import {livePods, requirePod} from '../../lib/pod/service.js'
import {toV1Pod} from '../../lib/pod/v1.js'

export default class PodGet extends BaseCommand<typeof PodGet> {
  static override summary = 'Show one pod (a v1 Pod with -o json: .status.podIP, .spec.nodeName, .status.containerStatuses)'
  static override examples = ['<%= config.bin %> pod get web', '<%= config.bin %> pod get web -o json | jq -r .status.podIP']
  static override args = {name: Args.string({description: 'pod name', required: true})}

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const pod = requirePod(state, this.flags.namespace, this.args.name)
    const [live] = await livePods(this.ctx, [pod])
    this.render(toV1Pod(pod, live, state.nodes[pod.node]?.address), () => renderPods([live], this.flags.output === 'wide'))
    return live
  }
}
