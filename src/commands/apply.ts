import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../lib/cli/base.js'
import {readManifest} from '../lib/manifest/read.js'
import {applyAll, parseManifests} from '../lib/manifest/parse.js'
import {VALIDATE_MODES} from '../lib/manifest/fields.js'

export default class Apply extends BaseCommand<typeof Apply> {
  static override summary = 'Create or update objects from Kubernetes YAML: v1 Namespace/Pod/Service/Secret/ConfigMap, apps/v1 Deployment, networking.k8s.io/v1 Ingress/IngressClass'
  static override description =
    'Every document is validated before anything is applied. A field mk8s would not act on (unknown, misspelt, or a ' +
    'Kubernetes feature mk8s does not have, such as readinessProbe) is exit 2 naming its path, as kubectl --validate=strict ' +
    'does; --validate=warn applies the rest and prints one warning per field left out; --validate=ignore leaves them out ' +
    'silently. status and the metadata the API server writes (uid, resourceVersion, managedFields, ...) are accepted, so ' +
    'kubectl get -o yaml output applies. docs/manifests.md lists every field. Applying a Deployment again with other replicas scales it.'
  static override examples = [
    '<%= config.bin %> apply -f web.yaml',
    'cat web.yaml | <%= config.bin %> apply -f -',
    '<%= config.bin %> apply -f web.yaml --dry-run',
    '<%= config.bin %> apply -f upstream.yaml --validate=warn',
  ]
  static override flags = {
    filename: Flags.string({char: 'f', description: 'file with one or more YAML documents, or - for stdin', required: true}),
    validate: Flags.string({description: 'strict: refuse fields mk8s would not act on; warn: apply without them, warning; ignore: apply without them', options: [...VALIDATE_MODES], default: 'strict'}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const {text, source} = await readManifest(this.flags.filename)
    const objs = parseManifests(text, source, this.flags.namespace, {
      validate: this.flags.validate as (typeof VALIDATE_MODES)[number],
      warn: (line) => process.stderr.write(`warning: ${line}\n`),
    })
    const lines = await applyAll(this.ctx, objs)
    this.render({kind: 'List', items: objs.map((o, i) => ({kind: o.kind, namespace: o.namespace, name: o.name, result: lines[i]}))}, () => lines.join('\n'))
    return lines
  }
}
