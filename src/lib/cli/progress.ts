import {chalkStderr} from 'chalk'

/** What progress writes to: stderr, or a stand-in in tests. */
export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
}

/** Whether colour and animation suit a stream: a terminal, NO_COLOR unset, TERM not dumb. */
export const isFancy = (stream: ProgressStream): boolean =>
  Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const CLEAR_LINE = '\r\u001B[2K'

/**
 * Progress of a long command, on stderr so that stdout stays the command's result. On a terminal
 * the current step has a spinner and turns into a ✓ line when the next begins (or ✗ when the
 * command fails); elsewhere (a pipe, a log, NO_COLOR) each step is one plain line, written once.
 */
export class Progress {
  private current?: string
  private frame = 0
  private timer?: NodeJS.Timeout

  constructor(
    private readonly out: ProgressStream = process.stderr,
    private readonly live = isFancy(out),
  ) {}

  /** A new step begins; the one before it is done. */
  step(message: string): void {
    if (!this.live) {
      this.out.write(`• ${message}\n`)
      return
    }
    this.settle(chalkStderr.green('✓'))
    this.current = message
    this.timer ??= setInterval(() => this.draw(), 80).unref()
    this.draw()
  }

  /** The command ended: leave the last step's line marked, stop the spinner. */
  stop(ok = true): void {
    this.settle(ok ? chalkStderr.green('✓') : chalkStderr.red('✗'))
    clearInterval(this.timer)
    this.timer = undefined
  }

  private draw(): void {
    if (this.current) this.out.write(`${CLEAR_LINE}${chalkStderr.cyan(FRAMES[this.frame++ % FRAMES.length])} ${this.current}`)
  }

  private settle(mark: string): void {
    if (this.current) this.out.write(`${CLEAR_LINE}${mark} ${this.current}\n`)
    this.current = undefined
  }
}
