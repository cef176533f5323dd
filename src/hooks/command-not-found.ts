import type {Hook} from '@oclif/core'
import {chalkStderr} from 'chalk'
import {suggestCommand} from '../lib/kubectl/suggest.js'

/** An unknown command: exit 2 with the nearest command ("did you mean"), never oclif's internal id. */
const hook: Hook<'command_not_found'> = async function (opts) {
  const typed = [...opts.id.split(':'), ...(opts.argv ?? [])]
  const ids = [...opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])].map((id) => id.replaceAll(':', ' '))
  const guess = suggestCommand(typed, ids)
  const bin = opts.config.bin
  process.stderr.write(`${chalkStderr.red('error:')} unknown command "${opts.id.replaceAll(':', ' ')}" for "${bin}"\n`)
  process.stderr.write(`${chalkStderr.yellow('hint:')} ${guess ? `did you mean "${bin} ${guess}"? ` : ''}see '${bin} --help' for the commands\n`)
  process.exit(2)
}

export default hook
