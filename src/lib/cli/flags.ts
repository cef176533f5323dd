import {Flags} from '@oclif/core'

export const nodeFlag = {node: Flags.string({description: 'node to act on [default: the first node]'})}

/** The words after `--`, for commands that run a command (exec). */
export function afterDashDash(argv: string[]): string[] {
  const i = argv.indexOf('--')
  return i < 0 ? [] : argv.slice(i + 1)
}
