import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {boundary, InterruptedError, installSignalHandlers, resetInterrupts, safePoint} from '../../src/lib/interrupt.js'
import {unprogrammed} from '../../src/lib/pipeline/drift.js'
import {clusterState, pod, web} from './trace-hosts.js'

afterEach(() => {
  resetInterrupts()
  delete process.env.MK8S_CRASH_LOG
})

describe('step boundaries and signals', () => {
  it('every boundary is counted and logged in order (what the crash tests drive)', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'mk8s-b-')), 'log')
    process.env.MK8S_CRASH_LOG = log
    boundary('state write')
    boundary('script node1')
    safePoint('programmed')
    expect(readFileSync(log, 'utf8')).toBe('1 state write\n2 script node1\n') // a safe point is no boundary of its own
  })

  it('after SIGINT the next safe point throws once, exit 130; plain boundaries never throw; SIGTERM is 143', () => {
    const said: string[] = []
    installSignalHandlers((m) => said.push(m))
    process.emit('SIGINT')
    expect(said[0]).toMatch(/^SIGINT: stopping at the next safe point/)
    expect(() => boundary('state write')).not.toThrow()
    let e: unknown
    try {
      safePoint('programmed')
    } catch (error) {
      e = error
    }
    expect(e).toBeInstanceOf(InterruptedError)
    expect((e as InterruptedError).exitCode).toBe(130)
    expect(() => safePoint('again')).not.toThrow() // the command's own undoing goes on
    expect(new InterruptedError('SIGTERM', 'pod web not created').exitCode).toBe(143)
    expect(new InterruptedError('SIGTERM', 'pod web not created').message).toBe('interrupted (SIGTERM): pod web not created')
  })
})

describe('hosts behind the state', () => {
  const saved = clusterState([pod('a', 'node1', '10.244.0.5')], [web()])
  it('nothing when the hosts were programmed from this very state, whatever the pods progress and nodes readiness', () => {
    const now = structuredClone(saved)
    now.pods['default/a'].containers = [{name: 'main', id: 'abc', image: 'x'}]
    now.nodes.node2.ready = false
    now.nodes.node2.reason = 'Unreachable'
    expect(unprogrammed(now, {state: saved, stale: []})).toEqual([])
  })

  it('objects written but not programmed, deleted but still programmed, stale nodes; a pod in flight is the pod checks', () => {
    const now = structuredClone(saved)
    delete now.services['default/web']
    now.pods['default/b'] = {...pod('b', 'node2', '10.244.1.5'), phase: 'Pending', pid: 1}
    now.pods['default/a'].labels = {app: 'web'}
    expect(unprogrammed(now, {state: saved, stale: ['node2', 'gone']})).toEqual([
      'node node2: it missed a change (it was unreachable, or its script failed)',
      'pod default/a: changed in the state, not yet on the nodes',
      'service default/web: deleted from the state, still on the nodes',
    ])
    expect(unprogrammed(now, undefined)).toEqual(['the whole cluster: there is no record of what its nodes were programmed from'])
  })
})
