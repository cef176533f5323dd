import {Command, Flags, type Interfaces} from '@oclif/core'
import chalk, {chalkStderr} from 'chalk'
import {Mk8sError, UnreachableError} from '../errors.js'
import {Executor} from '../host/executor.js'
import {StateStore, defaultStatePath} from '../state/store.js'
import type {Ctx} from '../context.js'
import {isFancy, Progress} from './progress.js'
import {installLabSshOptions} from '../lab/ssh.js'
import {dockerRuntime, printingRuntime} from '../runtime/runtime.js'
import {hostOf} from '../cluster/hosts.js'
import {OUTPUT_HELP, parseOutput, printData} from '../kubectl/printers.js'
import {currentContext} from '../kubectl/contexts.js'
import {mark} from '../util/timing.js'

// NO_COLOR (https://no-color.org): chalk 5 follows terminals and FORCE_COLOR, not this variable.
if (process.env.NO_COLOR) chalk.level = chalkStderr.level = 0

export type OutputFormat = string | undefined

/** Flags that every mk8s command has. */
const baseFlags = {
  output: Flags.string({
    char: 'o',
    description: `output format: ${OUTPUT_HELP}`,
    helpGroup: 'GLOBAL',
    parse: async (v) => (parseOutput(v), v),
  }),
  // the current context (mk8s config use-context) gives the state file and namespace that --state, MK8S_STATE and -n do not
  state: Flags.string({description: "state file [default: the current context's, else ~/.mk8s/state.json]", env: 'MK8S_STATE', helpGroup: 'GLOBAL', default: async () => currentContext()?.state}),
  namespace: Flags.string({char: 'n', description: "Kubernetes namespace of the objects [default: the current context's, else default]", default: async () => currentContext()?.namespace ?? 'default', helpGroup: 'GLOBAL'}),
}

/** For commands that change hosts. */
export const dryRunFlag = {
  'dry-run': Flags.boolean({description: 'print the commands each host would run, change nothing', default: false}),
}

type FlagsOf<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
type ArgsOf<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * One base command: parses the global flags, builds the context (state store, executor), renders
 * results as a table for people or JSON/YAML for scripts, and maps errors to exit codes
 * (0 ok, 1 failed, 2 bad usage or input, 3 a host unreachable).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = baseFlags

  protected flags!: FlagsOf<T>
  protected args!: ArgsOf<T>
  private _ctx?: Ctx
  private yaml?: typeof import('yaml')
  private _progress?: Progress

  public override async init(): Promise<void> {
    mark(`command ${this.id ?? ''} loaded`)
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as FlagsOf<T>
    this.args = args as ArgsOf<T>
    if (this.flags.output === 'yaml') this.yaml = (await import('yaml')).default // only when asked: start-up time
    installLabSshOptions()
    // commands that change hosts stop at a safe point on Ctrl-C and SIGTERM (exit 130, 143); reads stop at once
    if (this.ctor.flags && 'dry-run' in this.ctor.flags && !this.dryRun) {
      const {installSignalHandlers} = await import('../interrupt.js')
      installSignalHandlers((msg) => {
        this._progress?.stop()
        process.stderr.write(`${chalkStderr.yellow('mk8s:')} ${msg}\n`)
      })
    }
  }

  protected get dryRun(): boolean {
    return Boolean((this.flags as Record<string, unknown>)['dry-run'])
  }

  protected get ctx(): Ctx {
    if (!this._ctx) {
      const dryRun = this.dryRun
      const exec = new Executor(dryRun)
      this._ctx = {
        store: new StateStore(this.flags.state ?? defaultStatePath(), dryRun),
        exec,
        // under --dry-run the executor prints each node's script and the runtime the docker commands, in the order they would run
        runtime: dryRun ? printingRuntime((node, lines) => exec.show(hostOf(node), lines), dockerRuntime) : dockerRuntime,
        namespace: this.flags.namespace,
        dryRun,
        progress: (msg: string) => {
          if (!this.flags.output) this.progress.step(msg)
        },
      }
    }
    return this._ctx
  }

  /** Steps of a long command on stderr: a spinner on a terminal, plain lines elsewhere. */
  protected get progress(): Progress {
    // under --dry-run the plans go to stdout: no spinner line between them
    this._progress ??= new Progress(process.stderr, isFancy(process.stderr) && !this.dryRun)
    return this._progress
  }

  /** A line on stdout; a spinning step on the terminal is settled first so that they do not mix. */
  public override log(message = '', ...args: unknown[]): void {
    this._progress?.stop()
    super.log(message, ...args)
  }

  /** Print data as JSON/YAML when asked, else the human form. */
  protected render(data: unknown, human: () => string): void {
    if (this.dryRun && !this.flags.output) return
    const fmt = this.flags.output
    if (fmt === 'json') this.log(JSON.stringify(data, null, 2))
    else if (fmt === 'yaml') this.log(this.yaml!.stringify(data).trimEnd())
    else if (fmt && fmt !== 'wide') {
      // -o name|jsonpath=|custom-columns= on a topic command's v1 object or List: kubectl's printers
      const text = printData(data, parseOutput(fmt))
      if (text) this.log(text)
    } else {
      const text = human()
      if (text) this.log(text)
    }
  }

  /**
   * What run() returns is the command's result: one whose `ok` is false (a doctor finding, a
   * broken trace, a rollout not done) exits 1 once rendered, unless the command set its own code.
   */
  protected override async _run<R>(): Promise<R> {
    const result = await super._run<R>()
    if (result && typeof result === 'object' && (result as {ok?: unknown}).ok === false && !process.exitCode) process.exitCode = 1
    return result
  }

  protected override async finally(err: Error | undefined): Promise<unknown> {
    mark(`command ${this.id ?? ''} done`)
    this._progress?.stop(!err)
    return super.finally(err)
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    this._progress?.stop(false)
    if (err instanceof UnreachableError && this.flags && 'dry-run' in (this.ctor.flags ?? {})) {
      // a command that changes hosts marks the node NotReady, so that `node list` shows it and
      // changes skip it until it is repaired; read verbs never write
      const {markUnreachable} = await import('../node/service.js')
      await markUnreachable(this.ctx, err.host).catch(() => {})
    }
    if (err instanceof Mk8sError) {
      process.stderr.write(`${chalkStderr.red('error:')} ${err.message}\n`)
      if (err.hint) process.stderr.write(`${chalkStderr.yellow('hint:')} ${err.hint}\n`)
      if (process.env.MK8S_DEBUG) process.stderr.write(`${err.stack}\n`)
      process.exitCode = err.exitCode
      return
    }
    if (err.oclif?.exit !== undefined) return super.catch(err)
    process.stderr.write(`${chalkStderr.red('error:')} ${err.message}\n`)
    if (process.env.MK8S_DEBUG) process.stderr.write(`${err.stack}\n`)
    process.exitCode = 1
  }
}
