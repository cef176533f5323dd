/**
 * Errors meant for the user carry an exit code and a hint that says what to do.
 * Anything else that escapes a command is a bug and exits 1 with its stack under DEBUG.
 */
export const EXIT = {ok: 0, failed: 1, usage: 2, unreachable: 3} as const

export class Mk8sError extends Error {
  readonly exitCode: number
  readonly hint?: string

  constructor(message: string, opts: {exitCode?: number; hint?: string; cause?: unknown} = {}) {
    super(message, {cause: opts.cause})
    this.name = 'Mk8sError'
    this.exitCode = opts.exitCode ?? EXIT.failed
    this.hint = opts.hint
  }
}

/** Bad usage or input: exit 2, raised before any host is touched. */
export class InputError extends Mk8sError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: EXIT.usage, hint})
    this.name = 'InputError'
  }
}

/** A host could not be reached at all: exit 3, naming the host. */
export class UnreachableError extends Mk8sError {
  readonly host: string
  constructor(host: string, detail: string, hint?: string) {
    super(`host ${host} is unreachable: ${detail}`, {
      exitCode: EXIT.unreachable,
      hint: hint ?? `check that ${host} is up and that 'ssh' to it works without a password (BatchMode)`,
    })
    this.name = 'UnreachableError'
    this.host = host
  }
}

/** A command on a host failed: exit 1, with the host, the command and its stderr. */
export class HostCommandError extends Mk8sError {
  readonly host: string
  readonly command: string
  readonly code: number
  readonly stderr: string
  constructor(host: string, command: string, code: number, stderr: string, hint?: string) {
    const tail = stderr.trim().split('\n').slice(-5).join('\n')
    super(`on ${host}: '${command}' failed (exit ${code})${tail ? `: ${tail}` : ''}`, {hint})
    this.name = 'HostCommandError'
    this.host = host
    this.command = command
    this.code = code
    this.stderr = stderr
  }
}

/** The state file is unreadable, corrupt or from a newer mk8s: never overwritten. */
export class StateError extends Mk8sError {
  constructor(message: string, hint?: string) {
    super(message, {exitCode: EXIT.failed, hint})
    this.name = 'StateError'
  }
}

export const notFound = (kind: string, name: string, listCmd: string): InputError =>
  new InputError(`${kind} "${name}" not found`, `see '${listCmd}' for the ${kind}s there are`)
