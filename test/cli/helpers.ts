import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterAll} from 'vitest'

export const ROOT = resolve(import.meta.dirname, '../..')
export const BIN = join(ROOT, 'bin/run.js')

export interface Ran {
  code: number
  stdout: string
  stderr: string
}

/** A fresh empty folder under the system's temp folder, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mk8s-${prefix}-`))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

/** Run argv with stdout and stderr piped, as a script would. No FORCE_COLOR passes through. */
export function runPiped(
  argv: string[],
  opts: {cwd?: string; env?: Record<string, string>; unset?: string[]} = {},
): Ran {
  const env = {...process.env, ...opts.env}
  for (const k of ['FORCE_COLOR', ...(opts.unset ?? [])]) delete env[k]
  const r = spawnSync(argv[0], argv.slice(1), {cwd: opts.cwd ?? ROOT, env, encoding: 'utf8', timeout: 60_000})
  if (r.error) throw r.error
  return {code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr}
}

/** Quote for the `script -c` shell line (argv from the test itself, never user input). */
const sh = (a: string): string => `'${a.replaceAll("'", `'\\''`)}'`

/**
 * What marks a CI runner to supports-color (chalk's detector): under any of these a terminal gets
 * no colour, so a person's terminal is shown without them.
 */
const CI_MARKS = ['CI', 'CONTINUOUS_INTEGRATION', 'BUILD_NUMBER', 'RUN_ID', 'TF_BUILD', 'TEAMCITY_VERSION', 'GITHUB_ACTIONS']

/** Run argv on a pseudo-terminal (util-linux `script`): what a person at a terminal sees. */
export function runOnTerminal(argv: string[], env: Record<string, string> = {}): Ran {
  const unset = CI_MARKS.filter((k) => !(k in env))
  return runPiped(['script', '-qec', argv.map(sh).join(' '), '/dev/null'], {env: {TERM: 'xterm-256color', ...env}, unset})
}
