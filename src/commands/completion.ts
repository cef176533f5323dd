import {Args} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {InputError} from '../lib/errors.js'
import {bashCompletion, completionNames} from '../lib/kubectl/complete.js'

export default class Completion extends BaseCommand<typeof Completion> {
  static override summary = 'Print a shell completion script that also completes the names of pods, services, nodes and namespaces from the state'
  static override description = "bash, or zsh through bashcompinit. `mk8s completion names KIND` prints the names the script offers (it reads the state and nothing else)."
  static override usage = ['completion bash|zsh', 'completion names KIND [-n NAMESPACE]']
  static override args = {
    shell: Args.string({description: 'bash, zsh, or names', required: true, options: ['bash', 'zsh', 'names']}),
    kind: Args.string({description: 'with names: a kind, by any of its names (pods, svc, no, ...)'}),
  }
  static override examples = ['source <(<%= config.bin %> completion bash)', 'autoload -U bashcompinit && bashcompinit && source <(<%= config.bin %> completion zsh)', '<%= config.bin %> completion names pods -n shop']

  async run(): Promise<unknown> {
    if (this.args.shell === 'names') {
      if (!this.args.kind) throw new InputError('completion names needs a kind', "e.g. 'mk8s completion names pods'")
      const names = completionNames(this.ctx.store.read(), this.args.kind, this.flags.namespace)
      this.render(names, () => names.join('\n'))
      return names
    }
    const text = bashCompletion(this.config.bin, this.config.commandIDs.filter((id) => !this.config.findCommand(id)?.hidden))
    process.stdout.write(text)
    return undefined
  }
}
