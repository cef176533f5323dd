import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ALLOW_A, npFixture} from '../unit/netpol-fixture.js'
import {BIN, runPiped, tempDir} from './helpers.js'

/** Commands return their result; the base command renders it and maps a result that is not ok to exit 1. */
describe('exit codes from results', () => {
  const dir = tempDir('exit')
  const state = join(dir, 'state.json')
  writeFileSync(state, JSON.stringify(npFixture({'x/allow-a': ALLOW_A}), null, 2) + '\n')
  const run = (...argv: string[]) => runPiped(['node', BIN, ...argv], {env: {MK8S_STATE: state}})

  it('netpol explain: 0 when the policies allow the connection, 1 when they drop it, the same JSON either way', () => {
    const ok = run('netpol', 'explain', 'pod/x/b', 'pod/x/a', '--port', '80', '-o', 'json')
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({allowed: true})
    const no = run('netpol', 'explain', 'pod/x/b', 'pod/x/a', '--port', '8080', '-o', 'json')
    expect(no.code, no.stderr).toBe(1)
    expect(JSON.parse(no.stdout)).toMatchObject({allowed: false, ingress: {isolatedBy: ['x/allow-a']}})
    expect(JSON.parse(no.stdout).ok).toBeUndefined()
  })
})
