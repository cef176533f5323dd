/**
 * The objects of a state's collections as they stand in its text (JSON.stringify(state, null, 2),
 * as the store writes it): per collection, each object's key (as its JSON string token) and the
 * lines that render it. Two texts rendered the same way give an unchanged object the same lines, so
 * comparing lines finds what a change made without parsing the text it was made from.
 *
 * In that rendering a top-level field's line starts with two spaces and a quote, an object of a
 * collection with four, and whatever is inside either with more, so the line that closes one is
 * the first after it with as few spaces and a `}` (strings hold no raw newline): found by the
 * engine's own string search, not by reading every line. A text in any other shape gives
 * undefined, and the caller compares otherwise.
 */
export function collectionSegments(text: string, collections: ReadonlySet<string>): Map<string, Map<string, string>> | undefined {
  const fields = topLevel(text, collections)
  return fields && new Map(fields.filter((f) => f.objects).map((f) => [f.name, f.objects!]))
}

/** A top-level field of the text: a collection's objects by key token, or any other field's lines. */
interface Field {
  name: string
  objects?: Map<string, string>
  lines?: string
}

/** The text's top-level fields in their order (see collectionSegments); undefined for a text in another shape. */
function topLevel(text: string, collections: ReadonlySet<string>): Field[] | undefined {
  const out: Field[] = []
  if (!text.startsWith('{\n')) return undefined
  let pos = 2
  for (;;) {
    if (text.startsWith('}', pos)) return out
    // a top-level field: `  "name": value`
    if (!text.startsWith('  "', pos)) return undefined
    const close = tokenEnd(text, pos + 2)
    if (close < 0 || !text.startsWith(': ', close)) return undefined
    const name = text.slice(pos + 3, close - 1)
    const eol = text.indexOf('\n', close)
    if (eol < 0) return undefined
    const last = text.charCodeAt(eol - 1) === 44 /* , */ ? eol - 1 : eol
    if (text.charCodeAt(last - 1) !== 123 /* { */ && text.charCodeAt(last - 1) !== 91 /* [ */) {
      // a value on its line (a number, a string, {} or []: an empty collection)
      out.push(collections.has(name) && text.startsWith('{}', last - 2) ? {name, objects: new Map()} : {name, lines: text.slice(pos, last)})
      pos = eol + 1
      continue
    }
    if (!collections.has(name) || text.charCodeAt(last - 1) !== 123) {
      // another object or an array: its closing line is the first with two spaces and its bracket
      const end = text.indexOf(text.charCodeAt(last - 1) === 123 ? '\n  }' : '\n  ]', eol)
      if (end < 0) return undefined
      out.push({name, lines: text.slice(pos, end + 4)})
      pos = lineAfter(text, end + 4)
      if (pos < 0) return undefined
      continue
    }
    const objects = new Map<string, string>()
    out.push({name, objects})
    pos = eol + 1
    while (!text.startsWith('  }', pos)) {
      // one of its objects: `    "key": {` ... `    }`, or a value on its line
      if (!text.startsWith('    "', pos)) return undefined
      const kc = tokenEnd(text, pos + 4)
      if (kc < 0 || !text.startsWith(': ', kc)) return undefined
      const token = text.slice(pos + 4, kc)
      const keol = text.indexOf('\n', kc)
      if (keol < 0) return undefined
      const klast = text.charCodeAt(keol - 1) === 44 ? keol - 1 : keol
      const opener = text.charCodeAt(klast - 1)
      if (opener === 123 || opener === 91) {
        const end = text.indexOf(opener === 123 ? '\n    }' : '\n    ]', keol - 1)
        if (end < 0) return undefined
        objects.set(token, text.slice(pos, end + 6))
        pos = lineAfter(text, end + 6)
      } else {
        objects.set(token, text.slice(pos, klast))
        pos = keol + 1
      }
      if (pos < 0) return undefined
    }
    pos = lineAfter(text, pos + 3)
    if (pos < 0) return undefined
  }
}

/** The end (after its closing quote) of the JSON string token opening at `at`, on its line; -1 if there is none. */
function tokenEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 92 /* backslash */) i++
    else if (c === 34 /* quote */) return i + 1
    else if (c === 10) return -1
  }
  return -1
}

/** Where the next line starts, after a closing bracket at `at` and its optional comma; -1 if the line goes on. */
function lineAfter(text: string, at: number): number {
  const i = text.charCodeAt(at) === 44 ? at + 1 : at
  return text.charCodeAt(i) === 10 ? i + 1 : -1
}

/**
 * The value of `text` (a state rendered as collectionSegments reads it), sharing with `base` (the
 * value of `baseText`, rendered the same way) every top-level field and collection object whose
 * lines are the same in both texts: only what differs is parsed. Two states a change apart (what
 * the hosts were programmed from, and the state now) then cost what the change made, and
 * comparing them finds the untouched objects at once (they are the same objects). Undefined when
 * either text is in another shape. The value shares objects with `base`: neither may be changed.
 */
export function parseSharing(text: string, baseText: string, base: Record<string, unknown>, collections: ReadonlySet<string>): Record<string, unknown> | undefined {
  const mine = topLevel(text, collections)
  const theirs = mine && topLevel(baseText, collections)
  if (!mine || !theirs) return undefined
  const byName = new Map(theirs.map((f) => [f.name, f]))
  const out: Record<string, unknown> = {}
  for (const f of mine) {
    const other = byName.get(f.name)
    if (f.lines !== undefined) {
      out[f.name] = other?.lines === f.lines ? base[f.name] : (JSON.parse(`{${f.lines}}`) as Record<string, unknown>)[f.name]
      continue
    }
    const was = other?.objects
    const wasValues = base[f.name] as Record<string, unknown> | undefined
    const objects: Record<string, unknown> = {}
    for (const [token, lines] of f.objects!) {
      const key = JSON.parse(token) as string
      objects[key] = was?.get(token) === lines && wasValues && Object.hasOwn(wasValues, key) ? wasValues[key] : (JSON.parse(`{${lines}}`) as Record<string, unknown>)[key]
    }
    out[f.name] = objects
  }
  return out
}
