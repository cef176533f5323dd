import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {InputError} from '../../lib/errors.js'
import {currentContext, setContext} from '../../lib/kubectl/contexts.js'
import {namespaceGiven} from '../../lib/kubectl/input.js'

export default class ConfigSetContext extends BaseCommand<typeof ConfigSetContext> {
  static override summary = "Create or change a context: its state file and its namespace (as kubectl config set-context)"
  static override examples = [
    '<%= config.bin %> config set-context lab --state-file ~/.mk8s/state.json',
    '<%= config.bin %> config set-context other --state-file ~/.mk8s/other.json --namespace shop',
    '<%= config.bin %> config set-context --current --namespace shop',
  ]
  static override args = {name: Args.string({description: 'context name (or --current)'})}
  static override flags = {
    'state-file': Flags.string({description: "the context's state file"}),
    current: Flags.boolean({description: 'change the current context', default: false}),
  }

  async run(): Promise<unknown> {
    const name = this.flags.current ? currentContext()?.name : this.args.name
    if (!name) throw new InputError(this.flags.current ? 'there is no current context' : 'a context name is required', "e.g. 'mk8s config set-context lab --state-file ~/.mk8s/state.json'")
    // here -n/--namespace is the context's namespace
    const ns = namespaceGiven(this.argv) ? this.flags.namespace : undefined
    const line = setContext(name, {state: this.flags['state-file'], namespace: ns})
    this.log(line)
    return line
  }
}
