import {Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {contextsTable, readConfig} from '../../lib/kubectl/contexts.js'

export default class ConfigGetContexts extends BaseCommand<typeof ConfigGetContexts> {
  static override summary = 'List the contexts (named state files, one per cluster), the current one marked *'
  static override examples = ['<%= config.bin %> config get-contexts', '<%= config.bin %> config get-contexts -o name']
  static override flags = {'no-headers': Flags.boolean({description: 'without the header line', default: false})}

  async run(): Promise<unknown> {
    const c = readConfig()
    if (this.flags.output === 'name') this.log(Object.keys(c.contexts).sort().join('\n'))
    else this.render(c, () => contextsTable(c, this.flags['no-headers']))
    return c
  }
}
