import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {describeTarget} from '../lib/kubectl/describe.js'
import {selectorFlag} from '../lib/kubectl/flags.js'
import {noResources} from '../lib/kubectl/printers.js'
import {resolveTargets} from '../lib/kubectl/verbs.js'

export default class Describe extends BaseCommand<typeof Describe> {
  static override summary = 'Show objects of any kind in detail: labels, addresses, ports, endpoints, replicas, containers'
  static override strict = false
  static override usage = ['describe KIND NAME... [flags]', 'describe KIND/NAME... [flags]', 'describe KIND -l SELECTOR [flags]']
  static override args = {target: Args.string({description: 'KIND, or KIND/NAME'}), name: Args.string({description: 'names of objects of that kind'})}
  static override examples = ['<%= config.bin %> describe pod web', '<%= config.bin %> describe svc/web deploy/web', '<%= config.bin %> describe nodes --all', '<%= config.bin %> describe pods -l app=web']
  static override flags = {
    ...selectorFlag,
    all: Flags.boolean({description: 'every object of the kind in the namespace', default: false}),
  }

  async run(): Promise<unknown> {
    const {argv} = await this.parse(Describe)
    const args = argv as string[]
    // kubectl describe KIND (no name) describes them all
    const all = this.flags.all || (args.length === 1 && !args[0].includes('/') && this.flags.selector === undefined)
    const targets = resolveTargets(this.ctx.store.read(), args, {namespace: this.flags.namespace, selector: this.flags.selector, all, verb: 'describe'})
    if (!targets.length) {
      process.stderr.write(`${noResources(this.flags.namespace)}\n`)
      return []
    }
    const texts: string[] = []
    for (const t of targets) texts.push(await describeTarget(this.ctx, t))
    this.render({kind: 'List', items: targets.map((t, i) => ({kind: t.kind.kind, namespace: t.namespace, name: t.name, text: texts[i]}))}, () => texts.join('\n\n\n'))
    return texts
  }
}
