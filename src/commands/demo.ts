import {Flags} from '@oclif/core'
import chalk from 'chalk'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {BaseCommand} from '../lib/cli/base.js'
import {table} from '../lib/cli/table.js'
import {runDemo, type StepReport} from '../lib/demo/runner.js'
import {demoSteps} from '../lib/demo/steps.js'
import {labStatus, labUp} from '../lib/lab/service.js'
import {rmSync} from 'node:fs'

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = "Walk through the documents' scenarios on the lab, checking each with real traffic"
  static override description = `Makes the lab if it is absent, then runs each scenario with the same mk8s commands you would type,
checks the result with real traffic, and ends with a table of checks. The demo's cluster keeps its own state
file (~/.mk8s/demo.json, or --state) and stays up afterwards for you to explore.`
  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --step p2p', '<%= config.bin %> demo -o json | jq ".checks[] | select(.pass | not)"']
  static override flags = {
    step: Flags.string({description: 'run only these steps (comma-separated ids)', multiple: false}),
  }

  async run(): Promise<unknown> {
    const state = this.flags.state ?? join(homedir(), '.mk8s', 'demo.json')
    // a demo state left from an earlier lab names hosts that are gone: start afresh when the lab is new
    const hadLab = (await labStatus(this.ctx)).length > 0
    await labUp(this.ctx, 3)
    if (!hadLab) rmSync(state, {force: true})
    const only = this.flags.step?.split(',')
    const steps = demoSteps().filter((s) => !only || s.id === 'cluster' || only.includes(s.id))
    const quiet = Boolean(this.flags.output)
    const reports = await runDemo(steps, state, (e) => {
      if (quiet) return
      if (e.type === 'start') this.log(`\n${chalk.bold(`▶ ${e.step.title}`)}\n  ${chalk.dim(e.step.explains)}`)
      else {
        for (const cmd of e.report.commands) this.log(`  $ ${cmd}`)
        for (const ch of e.report.checks) this.log(`  ${ch.pass ? chalk.green('✓') : chalk.red('✗')} ${ch.check}${ch.detail && !ch.pass ? ` (${ch.detail})` : ''}`)
      }
    })
    const checks = reports.flatMap((r) => r.checks)
    const passed = checks.filter((c) => c.pass).length
    const failed = checks.length - passed
    this.render({state, steps: reports, checks, passed, failed}, () => this.summary(reports, passed, failed, state))
    if (failed > 0) process.exitCode = 1
    return reports
  }

  private summary(reports: StepReport[], passed: number, failed: number, state: string): string {
    const rows = reports.flatMap((r) => r.checks.map((c) => [r.title, c.check, c.pass ? 'PASS' : 'FAIL']))
    return `\n${table(['step', 'check', 'result'], rows)}\n\n${passed} passed, ${failed} failed\n\nexplore: MK8S_STATE=${state} mk8s node list`
  }
}
