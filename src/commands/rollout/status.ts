import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {InputError} from '../../lib/errors.js'
import {resolveTargets} from '../../lib/kubectl/verbs.js'
import {parseDuration, rolloutStatus} from '../../lib/kubectl/wait.js'

export default class RolloutStatus extends BaseCommand<typeof RolloutStatus> {
  static override summary = "Wait until a deployment's or statefulset's pods all run and are ready (asked on the nodes), printing kubectl's progress lines"
  static override usage = ['rollout status (deployment|statefulset)/NAME [--timeout 2m] [--watch=false]']
  static override args = {target: Args.string({description: 'deployment/NAME or statefulset/NAME', required: true}), name: Args.string({description: 'NAME, after "deployment" or "statefulset"'})}
  static override examples = ['<%= config.bin %> rollout status deployment/web', '<%= config.bin %> rollout status deploy/web --timeout 60s', '<%= config.bin %> rollout status sts/db', '<%= config.bin %> rollout status deploy/web --watch=false']
  static override flags = {
    timeout: Flags.string({description: 'give up after this long (0s: no limit)', default: '0s'}),
    watch: Flags.boolean({char: 'w', description: 'wait until it is rolled out (--watch=false: say how it is now)', default: true, allowNo: true}),
  }

  public override async init(): Promise<void> {
    // kubectl's --watch=false / --watch=true
    this.argv = this.argv.map((a) => (a === '--watch=false' ? '--no-watch' : a === '--watch=true' ? '--watch' : a))
    await super.init()
  }

  async run(): Promise<unknown> {
    const argv = [this.args.target, ...(this.args.name ? [this.args.name] : [])]
    const targets = resolveTargets(this.ctx.store.read(), argv, {namespace: this.flags.namespace, verb: 'rollout status'})
    if (targets.length !== 1 || !['Deployment', 'StatefulSet'].includes(targets[0].kind.kind)) throw new InputError('rollout status takes one deployment or statefulset', "e.g. 'mk8s rollout status deployment/web' or 'mk8s rollout status sts/db'")
    const done = await rolloutStatus(this.ctx, targets[0], parseDuration(this.flags.timeout), this.flags.watch, (l) => this.log(l))
    return {ok: done}
  }
}
