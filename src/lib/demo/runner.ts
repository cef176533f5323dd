import {execa} from 'execa'
import {selfCommand} from '../cli/self.js'

export interface CmdResult {
  argv: string[]
  code: number
  stdout: string
  stderr: string
}

export interface StepContext {
  /** Run `mk8s ARGS` against the demo's state; recorded for the step's report. */
  mk8s(args: string[], opts?: {input?: string}): Promise<CmdResult>
  /** Like mk8s, but a non-zero exit fails the step. */
  ok(args: string[], opts?: {input?: string}): Promise<string>
  /** A check: its outcome shows in the final table. */
  check(name: string, pass: boolean, detail?: string): void
}

export interface DemoStep {
  id: string
  title: string
  /** What the step shows, in one or two sentences. */
  explains: string
  run(c: StepContext): Promise<void>
}

export interface CheckResult {
  step: string
  check: string
  pass: boolean
  detail?: string
}

export interface StepReport {
  id: string
  title: string
  explains: string
  commands: string[]
  checks: CheckResult[]
  error?: string
  ms: number
}

export type DemoEvent = {type: 'start'; step: DemoStep} | {type: 'done'; report: StepReport}

export async function runDemo(steps: DemoStep[], state: string, onEvent: (e: DemoEvent) => void): Promise<StepReport[]> {
  const reports: StepReport[] = []
  for (const s of steps) {
    onEvent({type: 'start', step: s})
    const report: StepReport = {id: s.id, title: s.title, explains: s.explains, commands: [], checks: [], ms: 0}
    const t0 = Date.now()
    const mk8s = async (args: string[], opts: {input?: string} = {}): Promise<CmdResult> => {
      report.commands.push(['mk8s', ...args].join(' '))
      const [cli, ...pre] = selfCommand() // the mk8s CLI itself: steps run the commands a user would type
      const r = await execa(cli, [...pre, ...args], {reject: false, input: opts.input ?? '', env: {MK8S_STATE: state, NO_COLOR: '1'}})
      return {argv: args, code: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr}
    }
    const ctx: StepContext = {
      mk8s,
      async ok(args, opts) {
        const r = await mk8s(args, opts)
        if (r.code !== 0) throw new Error(`mk8s ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`)
        return r.stdout
      },
      check(name, pass, detail) {
        report.checks.push({step: s.id, check: name, pass, detail})
      },
    }
    try {
      await s.run(ctx)
    } catch (error) {
      report.error = (error as Error).message
      report.checks.push({step: s.id, check: `${s.title} ran`, pass: false, detail: report.error})
    }
    report.ms = Date.now() - t0
    reports.push(report)
    onEvent({type: 'done', report})
  }
  return reports
}
