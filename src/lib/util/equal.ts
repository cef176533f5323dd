/**
 * Whether two JSON values (what JSON.parse gives: objects, arrays, strings, numbers, booleans,
 * null) are equal, the order of an object's keys aside. About twice as fast as comparing their
 * JSON.stringify texts, and it stops at the first difference: comparing every object of a state of
 * 5000 services is how a change finds the few it made.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  // objects of different sizes differ at once (an object added to, or removed from, thousands), unless undefined values make up the count
  const kx = Object.keys(x)
  const ky = Object.keys(y)
  if (kx.length !== ky.length && !kx.some((k) => x[k] === undefined) && !ky.some((k) => y[k] === undefined)) return false
  let n = 0
  for (const k of kx) {
    if (x[k] === undefined) continue // as JSON: a key whose value is undefined is not there
    n++
    if (!Object.hasOwn(y, k) || !jsonEqual(x[k], y[k])) return false
  }
  for (const k of ky) if (y[k] !== undefined) n--
  return n === 0
}
