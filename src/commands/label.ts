import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../lib/cli/base.js'
import {allNamespacesFlag, selectorFlag} from '../lib/kubectl/flags.js'
import {relabel, resolveTargets, splitChanges} from '../lib/kubectl/verbs.js'

export default class Label extends BaseCommand<typeof Label> {
  static override summary = 'Set or remove labels of pods, services, deployments, statefulsets, ingresses, secrets, configmaps, networkpolicies and namespaces; services re-select their endpoints, policies their peers, and the nodes are re-programmed'
  static override strict = false
  static override usage = ['label KIND NAME... KEY=VALUE... [KEY-...] [flags]', 'label KIND/NAME... KEY=VALUE... [KEY-...] [flags]', 'label KIND (-l SELECTOR | --all) KEY=VALUE... [flags]']
  static override args = {target: Args.string({description: 'KIND NAME, or KIND/NAME'}), changes: Args.string({description: 'KEY=VALUE to set, KEY- to remove'})}
  static override examples = [
    '<%= config.bin %> label pod web tier=front',
    '<%= config.bin %> label pod/web tier=back --overwrite',
    '<%= config.bin %> label pod web tier-',
    "<%= config.bin %> label pods -l app=web tier=front",
    '<%= config.bin %> label namespace team-a team=a',
  ]
  static override flags = {
    overwrite: Flags.boolean({description: 'change a label that has another value', default: false}),
    ...selectorFlag,
    all: Flags.boolean({description: 'every object of the kind in the namespace', default: false}),
    ...allNamespacesFlag,
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const {argv} = await this.parse(Label)
    const {objects, change} = splitChanges(argv as string[], 'label')
    const namespace = this.flags['all-namespaces'] ? undefined : this.flags.namespace
    const targets = resolveTargets(this.ctx.store.read(), objects, {namespace, selector: this.flags.selector, all: this.flags.all, verb: 'label'})
    const lines = await relabel(this.ctx, targets, change, {field: 'labels', overwrite: this.flags.overwrite})
    this.render({kind: 'List', items: lines}, () => lines.join('\n'))
    return lines
  }
}
