import {createHash} from 'node:crypto'

/**
 * The rules one service owns on one node, in either proxy mode: objects it owns outright (chains,
 * sets: key -> full body) and entries it puts into shared chains or maps (a rule in
 * KUBE-SERVICES, an element of a verdict map). Both modes diff fragments the same way, so that a
 * change rewrites what changed, not the world.
 */
export interface Fragment {
  objects: Map<string, string>
  entries: Set<string>
}

export const emptyFragment = (): Fragment => ({objects: new Map(), entries: new Set()})

export function mergeFragments(parts: Fragment[]): Fragment {
  const out = emptyFragment()
  for (const p of parts) {
    for (const [k, v] of p.objects) out.objects.set(k, v)
    for (const e of p.entries) out.entries.add(e)
  }
  return out
}

/** A short digest of a fragment: what mk8s remembers per node and service as "programmed". */
export function fragmentHash(f: Fragment): string {
  const h = createHash('sha256')
  for (const k of [...f.objects.keys()].sort()) h.update(`o\0${k}\0${f.objects.get(k)}\0`)
  for (const e of [...f.entries].sort()) h.update(`e\0${e}\0`)
  return h.digest('hex').slice(0, 16)
}

/** What to write to go from `old` to `next`: objects to (re)write or remove, entries to add or remove. */
export interface FragmentDiff {
  /** objects that are new or whose body changed, with their new body */
  write: Map<string, string>
  /** objects that exist now (in `old`) and must be replaced: a subset of write's keys */
  replace: Set<string>
  remove: string[]
  addEntries: string[]
  removeEntries: string[]
}

export const emptyDiff = (): FragmentDiff => ({write: new Map(), replace: new Set(), remove: [], addEntries: [], removeEntries: []})

/** Add the difference between two fragments to `into`. */
export function diffFragments(old: Fragment, next: Fragment, into: FragmentDiff = emptyDiff()): FragmentDiff {
  for (const [k, v] of next.objects) {
    const was = old.objects.get(k)
    if (was === v) continue
    into.write.set(k, v)
    if (was !== undefined) into.replace.add(k)
  }
  for (const k of old.objects.keys()) if (!next.objects.has(k)) into.remove.push(k)
  for (const e of next.entries) if (!old.entries.has(e)) into.addEntries.push(e)
  for (const e of old.entries) if (!next.entries.has(e)) into.removeEntries.push(e)
  return into
}

export const diffSize = (d: FragmentDiff): number => d.write.size + d.remove.length + d.addEntries.length + d.removeEntries.length
