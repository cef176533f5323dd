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
