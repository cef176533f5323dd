import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {selectorFlag} from '../../lib/kubectl/flags.js'
import {resolveTargets, restartTargets} from '../../lib/kubectl/verbs.js'

export default class RolloutRestart extends BaseCommand<typeof RolloutRestart> {
  static override summary = "Restart a deployment's or statefulset's pods, as kubectl does: a new restartedAt annotation on the pod template makes every pod anew"
  static override description = "A deployment's new pods are made, then the old removed; a statefulset's pods are replaced highest ordinal first, one at a time, each with its name and hostname."
  static override strict = false
  static override usage = ['rollout restart deployment/NAME... [flags]', 'rollout restart statefulset/NAME... [flags]']
  static override args = {target: Args.string({description: 'deployment/NAME or statefulset/NAME, or KIND NAME'})}
  static override examples = ['<%= config.bin %> rollout restart deployment/web', '<%= config.bin %> rollout restart deploy -l app=web', '<%= config.bin %> rollout restart sts/db']
  static override flags = {
    ...selectorFlag,
    all: Flags.boolean({description: 'every object of the kind in the namespace', default: false}),
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
