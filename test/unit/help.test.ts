/// <reference types="vite/client" />
import {existsSync, readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

/**
 * Help that teaches: every command has a summary and an example, every topic a description, and
 * the root help (a map of the documents) fits an 80-column terminal. Commands are read from the
 * sources, the same classes from which `oclif manifest` writes oclif.manifest.json.
 */
interface CommandClass {
  summary?: string
  description?: string
  examples?: unknown[]
  hidden?: boolean
}

const modules = import.meta.glob<{default: CommandClass}>('../../src/commands/**/*.ts', {eager: true})
const commands = Object.entries(modules).map(([path, mod]) => ({
  id: path.replace('../../src/commands/', '').replace(/\.ts$/, '').split('/').join(' '),
  cmd: mod.default,
}))
const oclif = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).oclif as {
  description: string
  topics: Record<string, {description?: string}>
}

describe('help', () => {
  it('finds the commands', () => {
    expect(commands.map((c) => c.id)).toContain('node list')
  })

  it.each(commands)('$id has a summary and at least one example', ({cmd}) => {
    expect(cmd.summary?.trim()).toBeTruthy()
    expect(cmd.examples?.length ?? 0).toBeGreaterThan(0)
  })

  const manifest = new URL('../../oclif.manifest.json', import.meta.url)
  it.skipIf(!existsSync(manifest))('keeps summaries and examples in the built oclif.manifest.json', () => {
    const cmds = Object.values(JSON.parse(readFileSync(manifest, 'utf8')).commands) as Array<CommandClass & {id: string}>
    for (const c of cmds) {
      expect(c.summary?.trim(), c.id).toBeTruthy()
      expect(c.examples?.length ?? 0, c.id).toBeGreaterThan(0)
    }
  })

  it('gives every topic a description', () => {
    const topics = new Set(commands.filter((c) => c.id.includes(' ')).map((c) => c.id.split(' ')[0]))
    for (const t of topics) expect(oclif.topics[t]?.description, `topic ${t}`).toBeTruthy()
  })

  it('has a root description that maps the topics and fits 80 columns', () => {
    const lines = oclif.description.split('\n')
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(76)
    for (const t of ['lab', 'netns', 'cluster', 'node', 'pod', 'svc', 'ingress', 'trace']) {
      expect(lines.some((l) => l.startsWith(`  ${t} `))).toBe(true)
    }
  })
})
