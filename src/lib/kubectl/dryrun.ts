import {Flags} from '@oclif/core'
import {InputError} from '../errors.js'

/**
 * kubectl's --dry-run=none|client|server. Bare --dry-run keeps mk8s's meaning (server: print the
 * commands each host would run, change nothing).
 */
export const dryRunModeFlag = {
  'dry-run': Flags.string({description: 'none; client: validate and show the objects; server (or bare --dry-run): also print the commands each host would run', options: ['none', 'client', 'server']}),
}

export type DryRunMode = 'none' | 'client' | 'server'

export function dryRunMode(v: string | undefined): DryRunMode {
  if (v === undefined || v === 'none') return 'none'
  if (v === 'client' || v === 'server') return v
  throw new InputError(`invalid --dry-run ${JSON.stringify(v)}`, 'one of none, client, server')
}

/** A bare --dry-run (today's form) becomes --dry-run=server before oclif reads the flags. */
export const normaliseDryRun = (argv: readonly string[]): string[] => {
  const dd = argv.indexOf('--')
  return argv.map((a, i) => (a === '--dry-run' && (dd < 0 || i < dd) ? '--dry-run=server' : a))
}
