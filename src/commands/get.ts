import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {allNamespacesFlag, fieldSelectorFlag, printFlags, selectorFlag} from '../lib/kubectl/flags.js'
import {parseKindArgs} from '../lib/kubectl/kinds.js'
import {noResources, parseOutput, printGroups} from '../lib/kubectl/printers.js'
import {getGroups, watchGroups} from '../lib/kubectl/resources.js'
import type {Group} from '../lib/kubectl/printers.js'
import {parseDuration} from '../lib/kubectl/wait.js'
import {parseFieldSelector, parseSelector} from '../lib/kubectl/selector.js'

export default class Get extends BaseCommand<typeof Get> {
  static override summary = "List or show objects of any kind, as kubectl get does: pods, services, deployments, statefulsets, endpoints, ingresses, secrets, nodes, namespaces"
  static override description = `KIND is any of kubectl's names for a kind: plural, singular or short (po, svc, deploy, sts, ep, ing, no, ns), several joined by commas, or "all" (pods, services, deployments, statefulsets). Objects can also be named as KIND/NAME. An empty result prints kubectl's "No resources found in NAMESPACE namespace." on stderr and exits 0; a name that does not exist is an error (exit 1).`
  static override strict = false
  static override args = {kind: Args.string({description: 'KIND[,KIND], or KIND/NAME'}), name: Args.string({description: 'names of objects of that kind'})}
  static override usage = ['get KIND[,KIND] [NAME...] [flags]', 'get KIND/NAME... [flags]']
  static override examples = [
    '<%= config.bin %> get pods',
    '<%= config.bin %> get po,svc -o wide',
    "<%= config.bin %> get pods -l 'app in (web,api)' -o name",
    "<%= config.bin %> get pod web -o jsonpath='{.status.podIP}'",
    "<%= config.bin %> get pods -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,IP:.status.podIP --sort-by=.status.podIP",
    '<%= config.bin %> get all',
    '<%= config.bin %> get sts -o wide',
    '<%= config.bin %> get pods -w --timeout 2m',
  ]
  static override flags = {
    ...selectorFlag,
    ...fieldSelectorFlag,
    ...allNamespacesFlag,
    ...printFlags,
    'ignore-not-found': Flags.boolean({description: 'a name that does not exist is not an error', default: false}),
    watch: Flags.boolean({char: 'w', description: 'after the list, keep asking (the state and the nodes, every second) and print each object that changed, appeared or went; Ctrl-C ends it', default: false}),
    timeout: Flags.string({description: 'with --watch: stop after this long (30s, 5m)', dependsOn: ['watch']}),
  }

  async run(): Promise<unknown> {
    const {argv} = await this.parse(Get)
    const output = parseOutput(this.flags.output)
    const {requests, multi} = parseKindArgs(argv as string[])
    const all = this.flags['all-namespaces']
    const selector = parseSelector(this.flags.selector ?? '')
    const fields = parseFieldSelector(this.flags['field-selector'] ?? '')
    const namespace = all ? undefined : this.flags.namespace
    const query = {namespace, selector, fields}
    const {groups, missing} = await getGroups(this.ctx, requests, query)
    const named = requests.every((r) => r.names.length > 0)
    const single = named && requests.length === 1 && requests[0].names.length === 1
    const toYaml = output.t === 'yaml' ? (await import('yaml')).stringify : undefined
    const labelColumns = (this.flags['label-columns'] ?? []).flatMap((l) => l.split(',')).filter(Boolean)
    const text = printGroups(groups, {output, noHeaders: this.flags['no-headers'], showLabels: this.flags['show-labels'], labelColumns, sortBy: this.flags['sort-by'], allNamespaces: all, withKind: multi, single, toYaml})
    if (text !== undefined && text !== '') process.stdout.write(output.t === 'jsonpath' ? text : `${text}\n`)
    else if (text === undefined && !missing.length) process.stderr.write(`${noResources(requests.every((r) => r.kind.namespaced) ? namespace : undefined)}\n`)
    if (!this.flags['ignore-not-found'] && missing.length) {
      for (const m of missing) process.stderr.write(`Error from server (NotFound): ${m}\n`)
      process.exitCode = 1
    }
    if (this.flags.watch) {
      const print = (changed: Group[]) => {
        const t = printGroups(changed, {output, noHeaders: true, showLabels: this.flags['show-labels'], labelColumns, sortBy: this.flags['sort-by'], allNamespaces: all, withKind: multi, single: false, toYaml})
        if (t) process.stdout.write(output.t === 'jsonpath' ? t : `${t}\n`)
      }
      const deadline = this.flags.timeout === undefined ? Infinity : Date.now() + parseDuration(this.flags.timeout, '--timeout')
      await watchGroups(this.ctx, requests, query, groups, print, () => Date.now() >= deadline)
    }
    return groups
  }
}
