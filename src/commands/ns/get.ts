import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {notFound} from '../../lib/errors.js'
import {namespaceContents, namespaceExists, toV1Namespace, viewOf} from '../../lib/namespace/model.js'

export default class NsGet extends BaseCommand<typeof NsGet> {
  static override summary = 'Show one namespace: its labels and what is in it (-o json: a v1 Namespace)'
  static override examples = ['<%= config.bin %> ns get shop', '<%= config.bin %> ns get shop -o json | jq .metadata.labels']
  static override args = {name: Args.string({description: 'namespace name', required: true})}

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    if (!namespaceExists(state, this.args.name)) throw notFound('namespace', this.args.name, 'mk8s ns list')
    const v = viewOf(state, this.args.name)
    const c = namespaceContents(state, v.name)
    this.render(toV1Namespace(v), () =>
      [
        `Name:         ${v.name}`,
        `Labels:       ${Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(',')}`,
        `Status:       Active${v.origin === 'applied' ? '' : ` (${v.origin === 'built-in' ? 'every cluster has it' : 'never applied: objects are in it'})`}`,
        `Objects:      ${Object.entries(c).map(([k, n]) => `${n} ${k}`).join(', ')}`,
      ].join('\n'),
    )
    return v
  }
}
