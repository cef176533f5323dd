import {chalkStderr} from 'chalk'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {isFancy, Progress} from '../../src/lib/cli/progress.js'

const sink = (isTTY: boolean) => {
  const chunks: string[] = []
  return {chunks, stream: {isTTY, write: (t: string) => chunks.push(t)}}
}

describe('progress', () => {
  afterEach(() => vi.unstubAllEnvs())

  it('writes one plain line per step when not on a terminal', () => {
    const {chunks, stream} = sink(false)
    const p = new Progress(stream)
    p.step('node node1: preflight')
    p.step('node node1: cni0 10.244.1.1/24')
    p.stop()
    expect(chunks.join('')).toBe('• node node1: preflight\n• node node1: cni0 10.244.1.1/24\n')
  })

  it('animates on a terminal and marks each finished step', () => {
    chalkStderr.level = 0
    const {chunks, stream} = sink(true)
    const p = new Progress(stream, true)
    p.step('one')
    p.step('two')
    p.stop(false)
    expect(chunks).toEqual(['\r\u001B[2K⠋ one', '\r\u001B[2K✓ one\n', '\r\u001B[2K⠙ two', '\r\u001B[2K✗ two\n'])
  })

  it('is plain under NO_COLOR, TERM=dumb or a pipe', () => {
    vi.stubEnv('TERM', 'xterm')
    vi.stubEnv('NO_COLOR', '')
    expect(isFancy({isTTY: true, write: () => 0})).toBe(true)
    vi.stubEnv('NO_COLOR', '1')
    expect(isFancy({isTTY: true, write: () => 0})).toBe(false)
    vi.unstubAllEnvs()
    vi.stubEnv('TERM', 'dumb')
    expect(isFancy({isTTY: true, write: () => 0})).toBe(false)
    expect(isFancy({isTTY: false, write: () => 0})).toBe(false)
  })
})
