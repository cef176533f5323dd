import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {selectorFlag} from '../lib/kubectl/flags.js'
import {logPods, printLogs} from '../lib/kubectl/logs.js'
import {noResources} from '../lib/kubectl/printers.js'
import {resolveTargets} from '../lib/kubectl/verbs.js'
import {parseDuration} from '../lib/kubectl/wait.js'

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = "Print the logs of a pod's container, of a deployment's first pod, or of every pod a selector picks (as kubectl logs)"
  static override description = 'With -l the last 10 lines of each pod are printed unless --tail says otherwise, as kubectl does. Docker keeps one log across a container\'s restarts: mk8s prints all of it, and --previous the lines written before its last start.'
  static override usage = ['logs NAME|pod/NAME|deployment/NAME [-c CONTAINER] [flags]', 'logs -l SELECTOR [flags]']
  static override args = {target: Args.string({description: 'pod NAME, pod/NAME or deployment/NAME'})}
  static override examples = ['<%= config.bin %> logs web', "<%= config.bin %> logs -l 'app in (web,api)' --prefix", '<%= config.bin %> logs deployment/web --since 5m', '<%= config.bin %> logs web -c sidecar -f']
  static override flags = {
    container: Flags.string({char: 'c', description: 'container name [default: the first]'}),
    'all-containers': Flags.boolean({description: 'every container of the pods', default: false}),
    ...selectorFlag,
    tail: Flags.integer({description: 'only the last N lines (-1: all) [default: all; 10 with -l]'}),
    since: Flags.string({description: 'only lines newer than this: 30s, 5m, 1h'}),
    timestamps: Flags.boolean({description: 'each line with its time', default: false}),
    prefix: Flags.boolean({description: 'each line with [pod/NAME/CONTAINER]', default: false}),
    follow: Flags.boolean({char: 'f', description: 'keep following (one container)', default: false}),
    previous: Flags.boolean({char: 'p', description: 'the lines the container wrote before its last start (it must have restarted)', default: false}),
  }

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const t = this.args.target
    const target = t === undefined ? undefined : resolveTargets(state, t.includes('/') ? [t] : ['pod', t], {namespace: this.flags.namespace, verb: 'logs'})[0]
    const pods = logPods(state, target, this.flags.namespace, this.flags.selector)
    if (!pods.length) {
      process.stderr.write(`${noResources(this.flags.namespace)}\n`)
      return 0
    }
    const tail = this.flags.tail ?? (this.flags.selector === undefined ? undefined : 10)
    const since = this.flags.since === undefined ? undefined : Math.ceil(parseDuration(this.flags.since, '--since') / 1000)
    process.exitCode = await printLogs(this.ctx, pods, {container: this.flags.container, allContainers: this.flags['all-containers'], tail, since, timestamps: this.flags.timestamps, prefix: this.flags.prefix, follow: this.flags.follow, previous: this.flags.previous}, (s) => process.stdout.write(s))
    return process.exitCode
  }
}
