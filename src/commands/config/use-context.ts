import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {useContext} from '../../lib/kubectl/contexts.js'

export default class ConfigUseContext extends BaseCommand<typeof ConfigUseContext> {
  static override summary = "Make a context the current one: later commands use its state file and namespace (--state, MK8S_STATE and -n still win)"
  static override examples = ['<%= config.bin %> config use-context lab']
  static override args = {name: Args.string({description: 'context name', required: true})}

  async run(): Promise<unknown> {
    const line = useContext(this.args.name)
    this.log(line)
    return line
  }
}
