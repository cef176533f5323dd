import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../lib/cli/base.js'
import {deleteAll, readManifest} from '../lib/manifest/read.js'
import {parseManifests} from '../lib/manifest/parse.js'

export default class Delete extends BaseCommand<typeof Delete> {
  static override summary = 'Delete the objects named in Kubernetes YAML, and everything mk8s made for them'
  static override examples = ['<%= config.bin %> delete -f web.yaml', 'cat web.yaml | <%= config.bin %> delete -f -']
  static override flags = {
    filename: Flags.string({char: 'f', description: 'file with one or more YAML documents, or - for stdin', required: true}),
    'ignore-not-found': Flags.boolean({description: 'an object that does not exist is not an error', default: false}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const {text, source} = await readManifest(this.flags.filename)
    const res = await deleteAll(this.ctx, parseManifests(text, source, this.flags.namespace, {validate: 'ignore'}), this.flags['ignore-not-found'])
    this.render({kind: 'List', items: res}, () => res.map((r) => r.result).join('\n'))
    if (res.some((r) => r.error)) process.exitCode = 1
    return res
  }
}
