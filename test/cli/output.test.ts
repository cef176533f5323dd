import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, runOnTerminal, runPiped, tempDir} from './helpers.js'

/** Output manners of the built CLI (run `npm run build` first): what scripts and people get. */
const ESC = '\u001B'
const state = join(tempDir('output'), 'state.json')
const env = {MK8S_STATE: state, NO_COLOR: ''}
const progressState = join(tempDir('progress'), 'state.json')

describe('output manners', () => {
  it.each([
    [['--help']],
    [['--version']],
    [['node', 'list']],
    [['node', 'list', '-o', 'json']],
    [['node', 'list', '--help']],
  ])('piped: %j has no escape codes', (args) => {
    const r = runPiped(['node', BIN, ...args], {env})
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain(ESC)
    expect(r.stderr).not.toContain(ESC)
  })

  it('puts errors on stderr, plain when piped, with exit 2 for bad input', () => {
    const r = runPiped(['node', BIN, 'netns', 'add', 'red'], {env})
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^error: no nodes/)
    expect(r.stderr).not.toContain(ESC)
  })

  it('gives JSON that parses, kubectl-shaped', () => {
    const r = runPiped(['node', BIN, 'node', 'list', '-o', 'json'], {env})
    expect(JSON.parse(r.stdout)).toEqual({apiVersion: 'v1', kind: 'List', items: []})
  })

  it('shows progress as plain lines when piped, as a spinner settling to ✗ on a terminal', () => {
    const st = {...env, MK8S_STATE: progressState}
    expect(runPiped(['node', BIN, 'cluster', 'init'], {env: st}).code).toBe(0)
    // nothing listens on port 1 of loopback: the preflight fails at once (exit 3)
    const join1 = ['node', BIN, 'node', 'join', 'x', '--ssh', 'root@127.0.0.1:1']
    const piped = runPiped(join1, {env: st})
    expect(piped.code).toBe(3)
    expect(piped.stderr).toMatch(/^• node x: preflight on root@127\.0\.0\.1:1\nerror: host x is unreachable/)
    expect(piped.stderr).not.toContain(ESC)
    const tty = runOnTerminal(join1, st)
    expect(tty.stdout).toContain('✗\u001B[39m node x: preflight on root@127.0.0.1:1\r\n')
    expect(runOnTerminal(join1, {...st, NO_COLOR: '1'}).stdout).toMatch(/^• node x: preflight/)
  })

  it('colours errors on a terminal, and not under NO_COLOR', () => {
    const coloured = runOnTerminal(['node', BIN, 'netns', 'add', 'red'], env)
    expect(coloured.stdout).toContain(`${ESC}[31merror:`)
    const plain = runOnTerminal(['node', BIN, 'netns', 'add', 'red'], {...env, NO_COLOR: '1'})
    expect(plain.stdout).toContain('error: no nodes')
    expect(plain.stdout).not.toContain(ESC)
  })
})
