import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {StateStore} from '../../src/lib/state/store.js'

const tmp = () => join(mkdtempSync(join(tmpdir(), 'mk8s-state-')), 'state.json')

describe('state store', () => {
  it('starts empty, writes mode 0600 JSON', async () => {
    const p = tmp()
    const s = new StateStore(p)
    expect(s.read().nodes).toEqual({})
    await s.update((st) => {
      st.netns['n/a'] = {node: 'n', name: 'a', createdAt: 'x'}
    })
    expect(statSync(p).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(p, 'utf8')).netns['n/a'].name).toBe('a')
  })

  it('a text read again unchanged is trusted; one another writer changed is validated again; an unchanged state is not rewritten', async () => {
    const p = tmp()
    const s = new StateStore(p)
    await s.update((st) => {
      st.netns['n/a'] = {node: 'n', name: 'a', createdAt: 'x'}
    })
    const copy = s.read()
    copy.netns['n/a'].name = 'changed in memory'
    expect(s.read().netns['n/a'].name).toBe('a') // each read is a fresh copy
    const before = statSync(p)
    await s.update(() => {})
    const after = statSync(p)
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]) // nothing changed: not written
    // another process writes a file that does not match the schema: this store sees it and refuses it
    const raw = JSON.parse(readFileSync(p, 'utf8'))
    raw.netns['n/a'].name = 42
    writeFileSync(p, JSON.stringify(raw, null, 2) + '\n')
    expect(() => s.read()).toThrow(/does not match the schema/)
    // and a valid write by another process is read as written
    raw.netns['n/a'].name = 'b'
    writeFileSync(p, JSON.stringify(raw, null, 2) + '\n')
    expect(s.read().netns['n/a'].name).toBe('b')
    await s.update((st) => {
      st.netns['n/a'].name = 'c'
    })
    expect(new StateStore(p).read().netns['n/a'].name).toBe('c')
  })

  it("another process trusts a text by its digest (mk8s's own write), validates any other text, and validates only the objects a change made", async () => {
    const p = tmp()
    await new StateStore(p).update((st) => {
      st.netns['n/a'] = {node: 'n', name: 'a', createdAt: 'x'}
    })
    const sum = JSON.parse(readFileSync(`${p}.sum`, 'utf8'))
    expect(sum.sha256).toMatch(/^[0-9a-f]{64}$/)
    // a digest names the text: a text it does not match is validated (and refused here), whoever wrote it
    const raw = JSON.parse(readFileSync(p, 'utf8'))
    raw.netns['n/a'].name = 42
    writeFileSync(p, JSON.stringify(raw, null, 2) + '\n')
    expect(() => new StateStore(p).read()).toThrow(/does not match the schema/)
    // a digest that matches but names another build is not trusted either
    writeFileSync(`${p}.sum`, JSON.stringify({...sum, build: 'another', sha256: createHash('sha256').update(readFileSync(p, 'utf8')).digest('hex')}))
    expect(() => new StateStore(p).read()).toThrow(/does not match the schema/)
    // what a change makes is validated (before anything is written); what it did not touch was valid already
    raw.netns['n/a'].name = 'a'
    writeFileSync(p, JSON.stringify(raw, null, 2) + '\n')
    const s = new StateStore(p)
    await expect(s.update((st) => {
      st.netns['n/b'] = {node: 'n', name: 7 as unknown as string, createdAt: 'x'}
    })).rejects.toThrow()
    expect(Object.keys(new StateStore(p).read().netns)).toEqual(['n/a'])
    // an object changed in place is a change too
    await expect(s.update((st) => {
      st.netns['n/a'].createdAt = null as unknown as string
    })).rejects.toThrow()
    expect(new StateStore(p).read().netns['n/a'].createdAt).toBe('x')
    // a changed object loses what the schema does not know, as a whole validation does
    await s.update((st) => {
      st.netns['n/b'] = {node: 'n', name: 'b', createdAt: 'x', stray: 1} as never
    })
    const now = new StateStore(p).read()
    expect(now.netns['n/b']).toEqual({node: 'n', name: 'b', createdAt: 'x'})
    expect(Object.keys(now.netns)).toEqual(['n/a', 'n/b'])
  })

  it('what was programmed: the state apart from its stale nodes; marking nodes in doubt writes only them; the format before is read too', () => {
    const p = tmp()
    const s = new StateStore(p)
    const state = s.read()
    s.writeProgrammed({state, stale: []})
    expect(JSON.parse(readFileSync(`${p}.programmed`, 'utf8')).apiVersion).toBe('mk8s/v1')
    const text = readFileSync(`${p}.programmed`, 'utf8')
    s.writeProgrammed({stale: ['node2']})
    expect(readFileSync(`${p}.programmed`, 'utf8')).toBe(text)
    expect(new StateStore(p).readProgrammed()).toEqual({state, stale: ['node2']})
    // the format before: one file, the state and its stale nodes (and those a newer mk8s marked beside it)
    writeFileSync(`${p}.programmed`, JSON.stringify({state, stale: ['node1']}))
    expect(new StateStore(p).readProgrammed()).toEqual({state, stale: ['node1', 'node2']})
  })

  it("a lock whose holder was killed on this machine is no one's: a live holder's is", async () => {
    const p = tmp()
    const s = new StateStore(p)
    mkdirSync(`${p}.hosts.lock`)
    writeFileSync(`${p}.hosts.lock.pid`, String(process.ppid)) // alive: the test runner's parent
    expect(await s.programmingNow()).toBe(true)
    writeFileSync(`${p}.hosts.lock.pid`, String(2 ** 22 + 13)) // no such process: killed
    expect(await s.programmingNow()).toBe(false)
    await s.whileProgramming(async () => {
      expect(readFileSync(`${p}.hosts.lock.pid`, 'utf8')).toBe(String(process.pid))
    })
    expect(existsSync(`${p}.hosts.lock`) || existsSync(`${p}.hosts.lock.pid`)).toBe(false)
  })

  it('many concurrent updates never lose one', async () => {
    const p = tmp()
    await Promise.all(
      Array.from({length: 25}, (_, i) =>
        new StateStore(p).update(async (st) => {
          await new Promise((r) => setTimeout(r, Math.random() * 5))
          st.netns[`n/x${i}`] = {node: 'n', name: `x${i}`, createdAt: 'x'}
        }),
      ),
    )
    expect(Object.keys(new StateStore(p).read().netns)).toHaveLength(25)
  })

  it('programming hosts takes turns: no two holders at once, and the state stays writable meanwhile', async () => {
    const p = tmp()
    let inside = 0
    let most = 0
    const order: number[] = []
    await Promise.all(
      Array.from({length: 8}, (_, i) =>
        new StateStore(p).whileProgramming(async () => {
          most = Math.max(most, ++inside)
          await new StateStore(p).update((st) => {
            st.netns[`n/x${i}`] = {node: 'n', name: `x${i}`, createdAt: 'x'}
          })
          await new Promise((r) => setTimeout(r, 5))
          order.push(i)
          inside--
        }),
      ),
    )
    expect(most).toBe(1)
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(Object.keys(new StateStore(p).read().netns)).toHaveLength(8)
  })

  it('a corrupt or newer file is an error and is left untouched', async () => {
    const p = tmp()
    writeFileSync(p, '{broken')
    await expect(new StateStore(p).update(() => undefined)).rejects.toThrow(/not valid JSON/)
    expect(readFileSync(p, 'utf8')).toBe('{broken')
    writeFileSync(p, JSON.stringify({apiVersion: 'mk8s/v1', version: 7}))
    expect(() => new StateStore(p).read()).toThrow(/newer/)
  })

  it('dry-run changes nothing', async () => {
    const p = tmp()
    await new StateStore(p, true).update((st) => {
      st.netns['n/a'] = {node: 'n', name: 'a', createdAt: 'x'}
    })
    expect(() => statSync(p)).toThrow()
  })
})
