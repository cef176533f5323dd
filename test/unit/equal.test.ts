import {describe, expect, it} from 'vitest'
import {jsonEqual} from '../../src/lib/util/equal.js'

describe('jsonEqual: equal as JSON, the order of keys aside', () => {
  it('compares as JSON.stringify would, key order aside', () => {
    const cases: Array<[unknown, unknown]> = [
      [{a: 1, b: [1, {c: 'x'}]}, {b: [1, {c: 'x'}], a: 1}],
      [{a: 1}, {a: 1, b: 2}],
      [{a: 1, b: undefined}, {a: 1}],
      [{a: undefined}, {b: undefined}],
      [[1, 2], [2, 1]],
      [[1], {0: 1}],
      [null, {}],
      [{a: null}, {a: undefined}],
      ['1', 1],
      [{a: {b: {c: [true]}}}, {a: {b: {c: [false]}}}],
    ]
    const sorted = (v: unknown): unknown => (Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v)
    for (const [a, b] of cases) {
      expect(jsonEqual(a, b), JSON.stringify([a, b])).toBe(JSON.stringify(sorted(a)) === JSON.stringify(sorted(b)))
      expect(jsonEqual(b, a)).toBe(jsonEqual(a, b))
    }
  })
})
