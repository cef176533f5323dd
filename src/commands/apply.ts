import {Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {InputError} from '../lib/errors.js'
import {dryRunModeFlag, dryRunMode, normaliseDryRun} from '../lib/kubectl/dryrun.js'
import {checkNamespace, collectFiles, collectKustomization, namespaceGiven, rawObjects} from '../lib/kubectl/input.js'
import {STORE} from '../lib/kubectl/verbs.js'
import {applyAll, parseManifests} from '../lib/manifest/parse.js'
import type {State} from '../lib/state/schema.js'
import {VALIDATE_MODES} from '../lib/manifest/fields.js'
import {parseDuration} from '../lib/kubectl/wait.js'

export default class Apply extends BaseCommand<typeof Apply> {
  static override summary = 'Create or update objects from Kubernetes YAML or JSON: v1 Namespace/Pod/Service/Secret/ConfigMap/Endpoints, discovery.k8s.io/v1 EndpointSlice, apps/v1 Deployment/StatefulSet, networking.k8s.io/v1 Ingress/IngressClass/NetworkPolicy'
  static override description = 'Every document of every file is validated before anything is applied. A field mk8s would not act on (unknown, misspelt, or a Kubernetes feature mk8s does not have, such as livenessProbe) is exit 2 naming its path, as kubectl --validate=strict does; --validate=warn applies the rest and prints one warning per field left out; --validate=ignore leaves them out silently. status and the metadata the API server writes (uid, resourceVersion, managedFields, ...) are accepted, so kubectl get -o yaml output applies; docs/manifests.md lists every field. -f can be repeated and can name a folder (its .yaml, .yml and .json files; -R for subfolders). Applying a Deployment or StatefulSet again with other replicas scales it; a StatefulSet makes its pods NAME-0, NAME-1, ... in order, each Running before the next, with hostname NAME-i and subdomain spec.serviceName. A pod with a readinessProbe (exec, httpGet, tcpSocket) runs but is no endpoint of its Services until its probe passes: apply probes the pods it starts, from their nodes, until they pass or --wait-ready-timeout ends (then they stay not ready, and the line says so); after that mk8s probes them again only when mk8s doctor runs (doctor --fix marks them ready or not ready): nothing watches them continuously. --dry-run=client validates and shows what would be applied; --dry-run=server (or --dry-run) also prints the commands each host would run.'
  static override examples = [
    '<%= config.bin %> apply -f web.yaml',
    '<%= config.bin %> apply -f manifests/ -R',
    '<%= config.bin %> apply -f web.yaml -f svc.json',
    '<%= config.bin %> apply -f db-headless-svc.yaml -f db-statefulset.yaml',
    '<%= config.bin %> apply -k overlays/base',
    'cat web.yaml | <%= config.bin %> apply -f -',
    '<%= config.bin %> apply -f web.yaml --dry-run=client -o yaml',
    '<%= config.bin %> apply -f web.yaml --dry-run',
    '<%= config.bin %> apply -f upstream.yaml --validate=warn',
    '<%= config.bin %> apply -f probed.yaml --wait-ready-timeout 2m    # wait longer for readinessProbes to pass',
    '<%= config.bin %> apply -f probed.yaml --wait-ready-timeout 0     # do not probe: the pods stay not ready until mk8s doctor --fix',
  ]
  static override flags = {
    filename: Flags.string({char: 'f', description: 'a file, a folder of .yaml/.yml/.json files, or - for stdin (repeatable)', multiple: true}),
    recursive: Flags.boolean({char: 'R', description: 'with -f FOLDER, its subfolders too', default: false}),
    kustomize: Flags.string({char: 'k', description: 'a folder with a plain kustomization.yaml (a resources list)', exclusive: ['filename']}),
    validate: Flags.string({description: 'strict: refuse fields mk8s would not act on; warn: apply without them, warning; ignore: apply without them', options: [...VALIDATE_MODES], default: 'strict'}),
    'wait-ready-timeout': Flags.string({description: 'how long to probe the readinessProbes of the pods it starts before leaving them not ready (no endpoint); 0: do not probe. mk8s probes at start and on mk8s doctor, not continuously', default: '60s'}),
    ...dryRunModeFlag,
  }

  public override async init(): Promise<void> {
    this.argv = normaliseDryRun(this.argv)
    await super.init()
  }

  protected override get dryRun(): boolean {
    return dryRunMode(this.flags['dry-run']) === 'server'
  }

  async run(): Promise<unknown> {
    const readyTimeoutMs = parseDuration(this.flags['wait-ready-timeout'], '--wait-ready-timeout')
    if (!this.flags.filename?.length && !this.flags.kustomize) throw new InputError('must specify one of -f and -k', "e.g. 'mk8s apply -f web.yaml', 'mk8s apply -f manifests/', 'mk8s apply -k DIR'")
    const sources = this.flags.kustomize ? await collectKustomization(this.flags.kustomize) : await collectFiles(this.flags.filename ?? [], this.flags.recursive)
    const objs = sources.flatMap((s) => parseManifests(s.text, s.source, this.flags.namespace, {
      validate: this.flags.validate as (typeof VALIDATE_MODES)[number],
      warn: (line) => process.stderr.write(`warning: ${line}\n`),
    }))
    checkNamespace(objs, namespaceGiven(this.argv) ? this.flags.namespace : undefined)
    if (dryRunMode(this.flags['dry-run']) === 'client') {
      const state = this.ctx.store.read()
      const lines = objs.map((o) => `${o.kind.toLowerCase()}${o.kind === 'Deployment' || o.kind === 'StatefulSet' ? '.apps' : o.kind === 'Ingress' ? '.networking.k8s.io' : o.kind === 'EndpointSlice' ? '.discovery.k8s.io' : ''}/${o.name} ${existsIn(state, o) ? 'configured' : 'created'} (dry run)`)
      this.render({apiVersion: 'v1', kind: 'List', items: rawObjects(sources)}, () => lines.join('\n'))
      return lines
    }
    this.ctx.readyTimeoutMs = readyTimeoutMs
    const lines = await applyAll(this.ctx, objs)
    this.render({kind: 'List', items: objs.map((o, i) => ({kind: o.kind, namespace: o.namespace, name: o.name, result: lines[i]}))}, () => lines.join('\n'))
    return lines
  }
}

const APPLIED: Record<string, 'endpoints' | 'endpointSlices'> = {Endpoints: 'endpoints', EndpointSlice: 'endpointSlices'}
const existsIn = (state: State, o: {kind: string; namespace: string; name: string}) =>
  Boolean(STORE[o.kind] ? state[STORE[o.kind]][`${o.namespace}/${o.name}`] : APPLIED[o.kind] && state[APPLIED[o.kind]][`${o.namespace}/${o.name}`])
