import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../lib/cli/base.js'
import {InputError} from '../lib/errors.js'
import {allNamespacesFlag, selectorFlag} from '../lib/kubectl/flags.js'
import {noResources} from '../lib/kubectl/printers.js'
import {deleteTargets, resolveTargets} from '../lib/kubectl/verbs.js'
import {collectFiles} from '../lib/kubectl/input.js'
import {deleteAll} from '../lib/manifest/read.js'
import {parseManifests} from '../lib/manifest/parse.js'

export default class Delete extends BaseCommand<typeof Delete> {
  static override summary = 'Delete objects, and everything mk8s made for them: by KIND NAME, KIND/NAME, -l SELECTOR, --all, or the objects named in YAML (-f)'
  static override strict = false
  static override usage = ['delete KIND NAME... [flags]', 'delete KIND/NAME... [flags]', 'delete KIND (-l SELECTOR | --all) [flags]', 'delete -f FILE|- [flags]']
  // no declared args: oclif would read stdin for an argument given as '-' (the stdin of -f -); the usage lines name them
  static override examples = [
    '<%= config.bin %> delete pod web',
    '<%= config.bin %> delete deploy/web svc/web',
    "<%= config.bin %> delete pods -l 'app in (web,api)'",
    '<%= config.bin %> delete pods --all',
    '<%= config.bin %> delete -f web.yaml',
    'cat web.yaml | <%= config.bin %> delete -f -',
  ]
  static override flags = {
    filename: Flags.string({char: 'f', description: 'a file, a folder of .yaml/.yml/.json files, or - for stdin (repeatable)', multiple: true}),
    recursive: Flags.boolean({char: 'R', description: 'with -f FOLDER, its subfolders too', default: false}),
    ...selectorFlag,
    all: Flags.boolean({description: 'every object of the kinds given, in the namespace', default: false}),
    ...allNamespacesFlag,
    'ignore-not-found': Flags.boolean({description: 'an object that does not exist is not an error', default: false}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const argv = (await this.parse(Delete)).argv as string[]
    if (this.flags.filename?.length) {
      if (argv.length) throw new InputError('give either -f or KIND NAME, not both', "e.g. 'mk8s delete -f web.yaml' or 'mk8s delete pod web'")
      const sources = await collectFiles(this.flags.filename, this.flags.recursive)
      const res = await deleteAll(this.ctx, sources.flatMap((s) => parseManifests(s.text, s.source, this.flags.namespace, {validate: 'ignore'})), this.flags['ignore-not-found'])
      this.render({kind: 'List', items: res}, () => res.map((r) => r.result).join('\n'))
      if (res.some((r) => r.error)) process.exitCode = 1
      return res
    }
    if (!argv.length) throw new InputError('you must specify the objects to delete', "e.g. 'mk8s delete pod web', 'mk8s delete pods -l app=web', 'mk8s delete -f web.yaml'")
    const namespace = this.flags['all-namespaces'] ? undefined : this.flags.namespace
    let targets
    try {
      targets = resolveTargets(this.ctx.store.read(), argv as string[], {namespace, selector: this.flags.selector, all: this.flags.all, verb: 'delete'})
    } catch (error) {
      if (this.flags['ignore-not-found'] && error instanceof InputError && / not found/.test(error.message)) return []
      throw error
    }
    if (!targets.length) {
      process.stderr.write(`${noResources(namespace)}\n`)
      return []
    }
    const lines = await deleteTargets(this.ctx, targets)
    this.render({kind: 'List', items: targets.map((t, i) => ({kind: t.kind.kind, namespace: t.namespace, name: t.name, result: lines[i]}))}, () => lines.join('\n'))
    return lines
  }
}
