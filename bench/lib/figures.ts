/**
 * What a bench module gives the runner (bench/run.ts): `export async function run()` returning a
 * record; when it has `figures`, each is shown in RESULTS.md beside the plain tool doing the same
 * job, with their ratio. `export const needsLab = true` makes the runner hold the lab lock.
 */
export interface Figure {
  /** what was measured, e.g. "mk8s --version" */
  figure: string
  /** mk8s's number */
  mk8s: number
  /** the plain tool's number for the same job (absent when there is none) */
  plain?: number
  /** the plain tool, e.g. "node -e 0" */
  plainTool?: string
  unit: string
}

export interface BenchResult extends Record<string, unknown> {
  figures?: Figure[]
  /** what the figures mean, what was measured to find out why one misses its goal: lines under the table in RESULTS.md */
  notes?: string[]
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits
