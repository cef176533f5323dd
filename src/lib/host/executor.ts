import {Mk8sError, UnreachableError} from '../errors.js'
import {boundary} from '../interrupt.js'
import {closeSessions, Host} from './host.js'
import {renderPlan, type Captured, type Plan} from './plan.js'
import {timed} from '../util/timing.js'

export type Sink = (text: string) => void

/** How reads reach a host; tests give fixed answers instead. */
export type Reader = (host: Host, plan: Plan) => Promise<Map<number, Captured>>

/**
 * The one way mk8s changes hosts. With dryRun, plans are printed per host instead of run; reads
 * (which change nothing) always run.
 */
export class Executor {
  /** Round trips made, per host name: what the benchmarks count. */
  readonly roundTrips = new Map<string, number>()

  constructor(
    readonly dryRun = false,
    private readonly sink: Sink = (t) => process.stdout.write(t),
    private readonly reader: Reader = (host, plan) => host.apply(plan),
  ) {}

  private count(host: Host): void {
    this.roundTrips.set(host.name, (this.roundTrips.get(host.name) ?? 0) + 1)
    if (process.env.MK8S_DEBUG) process.stderr.write(`[mk8s] round trip to ${host.label}\n`)
  }

  /**
   * Open the sessions of these hosts' next scripts now (Host.openSession), for a command that
   * will send them scripts once other work is done; nothing under --dry-run.
   */
  openSessions(hosts: readonly Host[]): void {
    if (!this.dryRun) for (const h of hosts) h.openSession()
  }

  /** Sessions opened ahead that no script took: closed (nothing runs on their hosts). */
  closeSessions(): void {
    closeSessions()
  }

  /** Under --dry-run, show what a non-shell channel (the Docker API) would do on a host. */
  show(host: Host, lines: string[]): void {
    if (this.dryRun && lines.length) this.sink(`# ${host.label}\n${lines.join('\n')}\n`)
  }

  async apply(host: Host, plan: Plan): Promise<Map<number, Captured>> {
    if (plan.length === 0) return new Map()
    if (this.dryRun) {
      this.sink(`# ${host.label}\n${renderPlan(plan)}\n`)
      return new Map()
    }
    boundary(`script ${host.name}`)
    this.count(host)
    return timed(`round trip ${host.name} (${plan.length} steps)`, () => host.apply(plan))
  }

  /** Reads: run even under --dry-run, since they change nothing. */
  async read(host: Host, plan: Plan): Promise<Map<number, Captured>> {
    if (plan.length === 0) return new Map()
    this.count(host)
    return timed(`round trip ${host.name} (read, ${plan.length} steps)`, () => this.reader(host, plan))
  }

  /**
   * Apply one plan per host, all hosts at once. Every host is tried; then the first unreachable
   * host (exit 3) or the first failure is raised.
   */
  async applyAll(plans: ReadonlyArray<readonly [Host, Plan]>, mode: 'apply' | 'read' = 'apply'): Promise<Map<string, Map<number, Captured>>> {
    const settled = await Promise.allSettled(plans.map(([h, p]) => (mode === 'apply' ? this.apply(h, p) : this.read(h, p))))
    const out = new Map<string, Map<number, Captured>>()
    const errors: unknown[] = []
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') out.set(plans[i][0].name, r.value)
      else errors.push(r.reason)
    })
    const unreachable = errors.find((e) => e instanceof UnreachableError)
    if (unreachable) throw unreachable
    if (errors.length > 0) throw errors[0]
    return out
  }

  /** Like applyAll, but reports per host instead of throwing: for status and doctor. */
  async readEach(plans: ReadonlyArray<readonly [Host, Plan]>): Promise<Map<string, Map<number, Captured> | Mk8sError>> {
    const settled = await Promise.allSettled(plans.map(([h, p]) => this.read(h, p)))
    const out = new Map<string, Map<number, Captured> | Mk8sError>()
    settled.forEach((r, i) => {
      const name = plans[i][0].name
      if (r.status === 'fulfilled') out.set(name, r.value)
      else out.set(name, r.reason instanceof Mk8sError ? r.reason : new Mk8sError(String(r.reason)))
    })
    return out
  }
}
