import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {selectorFlag} from '../../lib/kubectl/flags.js'
import {resolveTargets, restartTargets} from '../../lib/kubectl/verbs.js'

export default class RolloutRestart extends BaseCommand<typeof RolloutRestart> {
  static override summary = "Restart a deployment's pods, as kubectl does: a new restartedAt annotation on the pod template makes every pod anew"
  static override strict = false
  static override usage = ['rollout restart deployment/NAME... [flags]']
  static override args = {target: Args.string({description: 'deployment/NAME, or deployment NAME'})}
  static override examples = ['<%= config.bin %> rollout restart deployment/web', '<%= config.bin %> rollout restart deploy -l app=web']
  static override flags = {
    ...selectorFlag,
    all: Flags.boolean({description: 'every deployment of the namespace', default: false}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const {argv} = await this.parse(RolloutRestart)
    const targets = resolveTargets(this.ctx.store.read(), argv as string[], {namespace: this.flags.namespace, selector: this.flags.selector, all: this.flags.all, verb: 'rollout restart'})
    const lines = await restartTargets(this.ctx, targets)
    this.render({kind: 'List', items: lines}, () => lines.join('\n'))
    return lines
  }
}
