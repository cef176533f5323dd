import {describe, expect, it} from 'vitest'
import {collectionSegments, parseSharing} from '../../src/lib/util/segments.js'

const COLLECTIONS = new Set(['pods', 'services', 'netns', 'secrets'])
const render = (v: unknown) => JSON.stringify(v, null, 2) + '\n'
/** An object's lines as they stand in the rendered state: four spaces in, its key, its value. */
const lines = (k: string, v: unknown) => `    ${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).split('\n').join('\n    ')}`

describe("a state text's collection objects, by their lines", () => {
  const state = {
    apiVersion: 'mk8s/v1',
    version: 1,
    cluster: {name: 'c', nested: {deep: ['x', {y: 1}]}, list: []},
    pods: {
      'default/web': {name: 'web', labels: {app: 'web'}, spec: {containers: [{args: ['-c', 'echo "a": b\nnext'], env: []}]}},
      'default/"odd": key\\n': {name: 'odd', empty: {}, list: [[], [1, [2]]]},
      'default/empty': {},
    },
    services: {},
    netns: {'n/a': {node: 'n', name: 'a'}},
    other: {'x/y': {not: 'a collection'}},
    secrets: {'default/s': {data: {'key:': 'dmFsdWU=', '"q"': '{"a": 1}'}}},
  }

  it('finds every object of every collection, exactly as rendered, and nothing of other fields', () => {
    const segs = collectionSegments(render(state), COLLECTIONS)!
    expect([...segs.keys()].sort()).toEqual(['netns', 'pods', 'secrets', 'services'])
    for (const c of segs.keys()) {
      const objects = state[c as keyof typeof state] as Record<string, unknown>
      expect([...segs.get(c)!.keys()]).toEqual(Object.keys(objects).map((k) => JSON.stringify(k)))
      for (const [k, v] of Object.entries(objects)) expect(segs.get(c)!.get(JSON.stringify(k))).toBe(lines(k, v))
    }
  })

  it('an object changed in place changes its lines alone', () => {
    const after = structuredClone(state)
    after.pods['default/web'].labels.app = 'other'
    const [a, b] = [collectionSegments(render(state), COLLECTIONS)!, collectionSegments(render(after), COLLECTIONS)!]
    const changed = [...b.get('pods')!.keys()].filter((k) => a.get('pods')!.get(k) !== b.get('pods')!.get(k))
    expect(changed).toEqual(['"default/web"'])
    expect(b.get('netns')).toEqual(a.get('netns'))
  })

  it('a text in another shape is not read (the caller compares the objects instead)', () => {
    for (const text of [JSON.stringify(state), render(state).replace('\n    "n/a"', '\n   "n/a"'), render(state).slice(0, -3), render({pods: {'a/b': {x: 1}}}).replace('    }', '     }')]) {
      expect(collectionSegments(text, COLLECTIONS)).toBeUndefined()
    }
  })

  it('a text parsed against another shares what did not change, and is exactly what JSON.parse gives', () => {
    const after = structuredClone(state) as typeof state & {cluster?: unknown}
    after.pods['default/web'].labels.app = 'other'
    delete (after.pods as Record<string, unknown>)['default/empty']
    ;(after.services as Record<string, unknown>)['default/new'] = {name: 'new'}
    const base = JSON.parse(render(state))
    for (const [text, changed] of [[render(after), true], [render({...after, cluster: {name: 'd'}}), true], [render(state), false]] as const) {
      const v = parseSharing(text, render(state), base, COLLECTIONS)!
      expect(v).toEqual(JSON.parse(text))
      expect(Object.keys(v)).toEqual(Object.keys(JSON.parse(text)))
      expect(v.netns).not.toBe(base.netns) // a collection is a new object, its unchanged objects are base's
      expect((v.netns as Record<string, unknown>)['n/a']).toBe(base.netns['n/a'])
      expect((v.pods as Record<string, unknown>)['default/web'] === base.pods['default/web']).toBe(!changed)
      expect(v.other).toBe(base.other)
    }
    expect(parseSharing(JSON.stringify(state), render(state), base, COLLECTIONS)).toBeUndefined()
  })
})
