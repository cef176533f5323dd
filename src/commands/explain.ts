import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {explain, renderExplanation} from '../lib/kubectl/explain.js'

export default class Explain extends BaseCommand<typeof Explain> {
  static override summary = 'Describe the fields of a kind, and what mk8s does with each (supported, refused and why, read-only, default only)'
  static override description = `As kubectl explain, from the very trees that validate manifests: a field said to be refused is one 'apply -f' refuses (exit 2) under --validate=strict.`
  static override usage = ['explain KIND[.FIELD...] [--recursive]']
  static override args = {target: Args.string({description: 'a kind (any of kubectl\'s names for it), then the path of a field: pod.spec.containers', required: true})}
  static override examples = [
    '<%= config.bin %> explain pods',
    '<%= config.bin %> explain deploy.spec.template.spec.containers',
    '<%= config.bin %> explain svc.spec --recursive',
    '<%= config.bin %> explain ingress.spec.rules.http.paths -o json',
  ]
  static override flags = {
    recursive: Flags.boolean({description: 'every field below, not only the next level', default: false}),
  }

  async run(): Promise<unknown> {
    const e = explain(this.args.target, {recursive: this.flags.recursive})
    this.render(e, () => renderExplanation(e))
    return e
  }
}
