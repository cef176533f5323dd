import {existsSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, runPiped, tempDir} from './helpers.js'

/**
 * bin/run.js runs dist/mk8s.cjs (the CLI in one file, made by `npm run build`) with V8's code
 * cache beside it; MK8S_UNBUNDLED=1 runs the modules of dist/ through oclif. Both must behave alike.
 */
const env = {MK8S_STATE: join(tempDir('bundle'), 'state.json'), NO_COLOR: '1'}

const both = (args: string[], extra: Record<string, string> = {}) => ({
  bundled: runPiped(['node', BIN, ...args], {env: {...env, ...extra}}),
  unbundled: runPiped(['node', BIN, ...args], {env: {...env, ...extra, MK8S_UNBUNDLED: '1'}}),
})

describe('bin/run.js and its bundle', () => {
  it('is built, with its code cache written after a run', () => {
    expect(existsSync(join(ROOT, 'dist/mk8s.cjs'))).toBe(true)
    rmSync(join(ROOT, 'dist/mk8s.cjs.cache'), {force: true})
    expect(runPiped(['node', BIN, '--version'], {env}).code).toBe(0)
    expect(existsSync(join(ROOT, 'dist/mk8s.cjs.cache'))).toBe(true)
  })

  it.each([[['--version']], [['--help']], [['pod', 'list', '--help']], [['svc', 'list', '-o', 'json']], [['node', 'list']]])('%j: the same output either way', (args) => {
    const r = both(args)
    expect(r.bundled.code).toBe(0)
    expect(r.bundled).toEqual(r.unbundled)
  })

  it('maps errors to the same exit codes and messages', () => {
    const bad = both(['pod', 'run', 'Bad_Name', '--image', 'x'])
    expect(bad.bundled.code).toBe(2)
    expect(bad.bundled).toEqual(bad.unbundled)
    const unknown = both(['no-such-command'])
    expect(unknown.bundled.code).not.toBe(0)
    expect(unknown.bundled).toEqual(unknown.unbundled)
  })
})
