import {copyFileSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {ROOT, runPiped, tempDir} from './helpers.js'

/**
 * `npm run package` makes one executable file that runs from a folder with nothing else in it
 * (no node_modules, no dist, no package.json). Packs the current build (run `npm run build` first).
 */
describe('the single executable', () => {
  const dir = tempDir('package')
  const exe = join(dir, 'mk8s')
  const env = {PATH: '/usr/bin:/bin', HOME: dir, MK8S_STATE: join(dir, 'state.json')}
  const out = tempDir('package-out')

  beforeAll(() => {
    const r = runPiped(['node', join(ROOT, 'scripts/package.mjs'), '--out', out], {env: {}})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    copyFileSync(join(out, 'mk8s'), exe)
  }, 300_000)

  it('is alone in its folder', () => {
    expect(readdirSync(dir)).toEqual(['mk8s'])
  })

  it('prints its version', () => {
    const r = runPiped([exe, '--version'], {cwd: dir, env})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^mk8s\/\d+\.\d+\.\d+ linux-x64 node-v/)
  })

  it('prints the root help with the topics', () => {
    const r = runPiped([exe, '--help'], {cwd: dir, env})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('$ mk8s [COMMAND]')
    expect(r.stdout).toMatch(/TOPICS[\s\S]*node {2}/)
  })

  it('shows a command help with its examples, and the help command of oclif', () => {
    expect(runPiped([exe, 'node', 'list', '--help'], {cwd: dir, env}).stdout).toContain('$ mk8s node list -o wide')
    expect(runPiped([exe, 'help', 'node'], {cwd: dir, env}).stdout).toMatch(/node list +List the nodes/)
  })

  it('runs a command against a state file', () => {
    const r = runPiped([exe, 'node', 'list', '-o', 'json'], {cwd: dir, env})
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toMatchObject({kind: 'List', items: []})
  })
})
