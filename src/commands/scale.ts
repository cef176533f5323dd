import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../lib/cli/base.js'
import {selectorFlag} from '../lib/kubectl/flags.js'
import {resolveTargets, scaleTargets} from '../lib/kubectl/verbs.js'

export default class Scale extends BaseCommand<typeof Scale> {
  static override summary = 'Set the number of replicas of a deployment or statefulset: pods are made or removed, and services follow'
  static override description = "A deployment's pods are made or removed at once. A statefulset's (podManagementPolicy OrderedReady, the default) are made lowest ordinal first, each Running before the next is made, and removed highest ordinal first: scaling web from 3 to 1 removes web-2, then web-1; scaling back to 2 makes web-1 again, with the same name and hostname (and a new address). Parallel statefulsets make and remove theirs at once."
  static override strict = false
  static override usage = ['scale deployment/NAME... --replicas N [flags]', 'scale statefulset/NAME... --replicas N [flags]', 'scale deployment NAME... --replicas N [flags]']
  static override args = {target: Args.string({description: 'deployment/NAME or statefulset/NAME (sts/NAME), or KIND NAME'})}
  static override examples = ['<%= config.bin %> scale deployment/web --replicas 3', '<%= config.bin %> scale deploy web --replicas 0', '<%= config.bin %> scale statefulset/db --replicas 1', '<%= config.bin %> scale sts db --replicas 3 --current-replicas 1', '<%= config.bin %> scale deploy -l app=web --replicas 2 --current-replicas 1']
  static override flags = {
    replicas: Flags.integer({description: 'the new number of replicas', required: true}),
    'current-replicas': Flags.integer({description: 'scale only if the deployment (or statefulset) has this many now'}),
    ...selectorFlag,
    all: Flags.boolean({description: 'every object of the kind in the namespace', default: false}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const {argv} = await this.parse(Scale)
    const targets = resolveTargets(this.ctx.store.read(), argv as string[], {namespace: this.flags.namespace, selector: this.flags.selector, all: this.flags.all, verb: 'scale'})
    const lines = await scaleTargets(this.ctx, targets, this.flags.replicas, this.flags['current-replicas'])
    this.render({kind: 'List', items: lines}, () => lines.join('\n'))
    return lines
  }
}
