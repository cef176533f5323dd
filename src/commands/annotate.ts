import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../lib/cli/base.js'
import {allNamespacesFlag, selectorFlag} from '../lib/kubectl/flags.js'
import {relabel, resolveTargets, splitChanges} from '../lib/kubectl/verbs.js'

export default class Annotate extends BaseCommand<typeof Annotate> {
  static override summary = 'Set or remove annotations of pods, services, deployments, ingresses and secrets'
  static override strict = false
  static override usage = ['annotate KIND NAME... KEY=VALUE... [KEY-...] [flags]', 'annotate KIND/NAME... KEY=VALUE... [KEY-...] [flags]', 'annotate KIND (-l SELECTOR | --all) KEY=VALUE... [flags]']
  static override args = {target: Args.string({description: 'KIND NAME, or KIND/NAME'}), changes: Args.string({description: 'KEY=VALUE to set, KEY- to remove'})}
  static override examples = [
    '<%= config.bin %> annotate pod web tier=front',
    '<%= config.bin %> annotate pod/web tier=back --overwrite',
    '<%= config.bin %> annotate pod web tier-',
    "<%= config.bin %> annotate pods -l app=web tier=front",
  ]
  static override flags = {
    overwrite: Flags.boolean({description: 'change a annotation that has another value', default: false}),
    ...selectorFlag,
    all: Flags.boolean({description: 'every object of the kind in the namespace', default: false}),
    ...allNamespacesFlag,
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const {argv} = await this.parse(Annotate)
    const {objects, change} = splitChanges(argv as string[], 'annotation')
    const namespace = this.flags['all-namespaces'] ? undefined : this.flags.namespace
    const targets = resolveTargets(this.ctx.store.read(), objects, {namespace, selector: this.flags.selector, all: this.flags.all, verb: 'annotate'})
    const lines = await relabel(this.ctx, targets, change, {field: 'annotations', overwrite: this.flags.overwrite})
    this.render({kind: 'List', items: lines}, () => lines.join('\n'))
    return lines
  }
}
