import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../lib/cli/base.js'
import {readManifest} from '../lib/manifest/read.js'
import {applyAll, parseManifests} from '../lib/manifest/parse.js'

export default class Apply extends BaseCommand<typeof Apply> {
  static override summary = 'Create or update objects from Kubernetes YAML: v1 Pod/Service/Secret, apps/v1 Deployment, networking.k8s.io/v1 Ingress'
  static override description = 'Every document is validated before anything is applied. Applying a Deployment again with other replicas scales it.'
  static override examples = ['<%= config.bin %> apply -f web.yaml', 'cat web.yaml | <%= config.bin %> apply -f -', '<%= config.bin %> apply -f web.yaml --dry-run']
  static override flags = {
    filename: Flags.string({char: 'f', description: 'file with one or more YAML documents, or - for stdin', required: true}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const {text, source} = await readManifest(this.flags.filename)
    const objs = parseManifests(text, source, this.flags.namespace)
    const lines = await applyAll(this.ctx, objs)
    this.render({kind: 'List', items: objs.map((o, i) => ({kind: o.kind, namespace: o.namespace, name: o.name, result: lines[i]}))}, () => lines.join('\n'))
    return lines
  }
}
