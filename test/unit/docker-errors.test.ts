import {mkdtempSync, readdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {EXIT, Mk8sError, UnreachableError} from '../../src/lib/errors.js'
import {dockerError, sweepForwards} from '../../src/lib/runtime/docker.js'

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

describe("the local sockets of a killed mk8s's forwards", () => {
  it('are removed once their process is gone; a live process keeps its own, and other files stay', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-ssh-'))
    const gone = 2 ** 22 + 7 // above Linux's pid_max default: no such process
    for (const f of [`d-${gone}-abc123.sock`, `s-${gone}-00ff00.sock`, `d-${process.ppid}-abc123.sock`, `d-${process.pid}-abc123.sock`, 'a1b2c3d4e5', `d-${gone}-x.sock`]) writeFileSync(join(dir, f), '')
    sweepForwards(dir)
    expect(readdirSync(dir).sort()).toEqual([`d-${gone}-x.sock`, `d-${process.pid}-abc123.sock`, `d-${process.ppid}-abc123.sock`, 'a1b2c3d4e5'].sort())
    sweepForwards(join(dir, 'none')) // no such folder: nothing to do
  })
})
