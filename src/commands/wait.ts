import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {InputError} from '../lib/errors.js'
import {allNamespacesFlag, selectorFlag} from '../lib/kubectl/flags.js'
import {resolveTargets} from '../lib/kubectl/verbs.js'
import {parseDuration, parseFor, waitTargets} from '../lib/kubectl/wait.js'

export default class Wait extends BaseCommand<typeof Wait> {
  static override summary = 'Wait until pods are Ready (their containers run, asked on the nodes, and their readinessProbe passed when mk8s last probed it), a deployment is Available, or objects are gone'
  static override strict = false
  static override usage = ['wait KIND/NAME... --for=condition=COND [--timeout 30s] [flags]', 'wait KIND (-l SELECTOR | --all) --for=... [flags]']
  static override args = {target: Args.string({description: 'KIND/NAME, or KIND NAME'})}
  static override examples = [
    '<%= config.bin %> wait --for=condition=Ready pod/web --timeout=60s',
    "<%= config.bin %> wait --for=condition=Ready pods -l 'app in (web,api)'",
    '<%= config.bin %> wait --for=condition=Available deployment/web',
    '<%= config.bin %> wait --for=delete pod/web --timeout=30s',
  ]
  static override flags = {
    for: Flags.string({description: 'condition=Ready (pods), condition=Available (deployments), or delete', required: true}),
    timeout: Flags.string({description: 'how long to wait: 30s, 2m, 1m30s', default: '30s'}),
    ...selectorFlag,
    all: Flags.boolean({description: 'every object of the kind in the namespace', default: false}),
    ...allNamespacesFlag,
  }

  async run(): Promise<unknown> {
    const {argv} = await this.parse(Wait)
    const f = parseFor(this.flags.for)
    const timeout = parseDuration(this.flags.timeout)
    const namespace = this.flags['all-namespaces'] ? undefined : this.flags.namespace
    const targets = resolveTargets(this.ctx.store.read(), argv as string[], {namespace, selector: this.flags.selector, all: this.flags.all, verb: 'wait', missingOk: f.t === 'delete'})
    if (!targets.length) throw new InputError('no matching resources found', 'check the selector with mk8s get KIND -l SELECTOR')
    const lines: string[] = []
    await waitTargets(this.ctx, targets, f, timeout, (l) => {
      lines.push(l)
      if (!this.flags.output) this.log(l)
    })
    this.render({kind: 'List', items: lines}, () => '')
    return lines
  }
}
