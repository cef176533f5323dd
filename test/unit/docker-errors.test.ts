import {describe, expect, it} from 'vitest'
import {EXIT, Mk8sError, UnreachableError} from '../../src/lib/errors.js'
import {dockerError} from '../../src/lib/runtime/docker.js'

const sysError = (code: string, message: string) => Object.assign(new Error(message), {code})

describe('a Docker call that fails below HTTP names the node', () => {
  it('the far end of the forwarded socket hung up: no Docker daemon there (exit 1, how to start one)', () => {
    for (const e of [sysError('ECONNRESET', 'socket hang up'), sysError('EPIPE', 'write EPIPE'), new Error('socket hang up')]) {
      const out = dockerError('node2', e) as Mk8sError
      expect(out).toBeInstanceOf(Mk8sError)
      expect(out).not.toBeInstanceOf(UnreachableError)
      expect(out.message).toContain('node node2: no Docker daemon answers at /var/run/docker.sock')
      expect(out.hint).toContain('start dockerd on node2')
    }
  })

  it('the forward itself is gone with its SSH connection: unreachable (exit 3)', () => {
    const out = dockerError('node3', sysError('ECONNREFUSED', 'connect ECONNREFUSED /x.sock')) as UnreachableError
    expect(out).toBeInstanceOf(UnreachableError)
    expect(out.exitCode).toBe(EXIT.unreachable)
    expect(out.message).toContain('host node3 is unreachable')
    // on this machine there is no forward: a socket nobody listens on is no daemon
    expect(dockerError('here', sysError('ENOENT', 'connect ENOENT /var/run/docker.sock'), {local: true})).not.toBeInstanceOf(UnreachableError)
  })

  it("Docker's own answers and mk8s's errors pass as they are", () => {
    const conflict = Object.assign(new Error('(HTTP code 409) conflict'), {statusCode: 409})
    expect(dockerError('node1', conflict)).toBe(conflict)
    const own = new Mk8sError('image x is not on node node1')
    expect(dockerError('node1', own)).toBe(own)
    const other = new TypeError('bad')
    expect(dockerError('node1', other)).toBe(other)
  })
})
