import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {afterDashDash} from '../lib/cli/flags.js'
import {InputError} from '../lib/errors.js'
import {logPods} from '../lib/kubectl/logs.js'
import {resolveTargets} from '../lib/kubectl/verbs.js'
import {execPod} from '../lib/pod/service.js'

export default class Exec extends BaseCommand<typeof Exec> {
  static override summary = "Run a command in a pod's container, as kubectl exec: NAME, pod/NAME, or deployment/NAME (its first pod)"
  static override usage = ['exec NAME|pod/NAME|deployment/NAME [-c CONTAINER] [-it] -- CMD...']
  static override examples = ['<%= config.bin %> exec web -- ip addr show eth0', '<%= config.bin %> exec deploy/web -- wget -qO- http://localhost/', '<%= config.bin %> exec -it client -- sh']
  static override strict = false
  static override args = {target: Args.string({description: 'pod NAME, pod/NAME or deployment/NAME', required: true})}
  static override flags = {
    container: Flags.string({char: 'c', description: 'container name [default: the first]'}),
    tty: Flags.boolean({char: 't', description: 'allocate a terminal', default: false}),
    stdin: Flags.boolean({char: 'i', description: 'keep stdin open (always on; accepted for kubectl habits)', default: false}),
  }

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const t = this.args.target
    const [target] = resolveTargets(state, t.includes('/') ? [t] : ['pod', t], {namespace: this.flags.namespace, verb: 'exec'})
    const [pod] = logPods(state, target, this.flags.namespace)
    if (!pod) throw new InputError(`${t} has no pods`, `see 'mk8s get pods'`)
    process.exitCode = await execPod(this.ctx, pod.namespace, pod.name, afterDashDash(this.argv), {container: this.flags.container, tty: this.flags.tty})
    return process.exitCode
  }
}
