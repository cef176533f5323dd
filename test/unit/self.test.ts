import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {selfCommand} from '../../src/lib/cli/self.js'

describe('selfCommand', () => {
  it('runs bin/run.js with this node outside the single executable', () => {
    const [node, script] = selfCommand()
    expect(node).toBe(process.execPath)
    expect(script).toMatch(/\/bin\/run\.js$/)
    expect(existsSync(script)).toBe(true)
  })
})
