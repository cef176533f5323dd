import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'

/**
 * The unit tests' host fixtures are the planners' own scripts as the real tools list them back
 * (scripts/fixtures.ts applies each in a throwaway network namespace): a planner change that
 * alters them makes this fail until they are written again. Needs root, as CI runs it.
 */
describe('host fixtures', () => {
  it.skipIf(process.getuid?.() !== 0)('are what the planners give now, as nft and iptables-save print it', () => {
    let out = ''
    try {
      out = execFileSync('npx', ['tsx', 'scripts/fixtures.ts', '--check'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    } catch (e) {
      out = String((e as {stderr?: string}).stderr ?? e)
    }
    expect(out).toBe('')
  })
})
