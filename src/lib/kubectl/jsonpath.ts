/**
 * kubectl's JSONPath templates (`-o jsonpath=...`, custom-columns): text with `{...}` blocks, each
 * a path (`.items[*].metadata.name`, `$.a`, `@`, `..name`, `[0]`, `[-1]`, `[1:3]`, `[0,2]`, `['k.x']`,
 * `[?(@.type=="Ready")]`, `a\.b` for a dot in a key), a quoted literal (`{"\n"}`), or
 * `{range PATH}...{end}`. Several results of one block are joined by a space; strings print as they
 * are, other values as JSON; a missing key prints nothing (kubectl's get allows missing keys).
 * Written here because the npm JSONPath libraries give RFC/Goessner paths, not kubectl's templates.
 */
import {InputError} from '../errors.js'

type Seg =
  | {t: 'field'; name: string}
  | {t: 'wild'}
  | {t: 'recurse'; name?: string}
  | {t: 'index'; items: Array<{i: number} | {start?: number; end?: number; step?: number}>}
  | {t: 'filter'; left: Path; op?: string; right?: Path | {lit: unknown}}

interface Path {
  root: '$' | '@'
  segs: Seg[]
}

type Node = {t: 'text'; text: string} | {t: 'path'; path: Path} | {t: 'lit'; text: string} | {t: 'range'; path: Path; body: Node[]}

const bad = (tpl: string, why: string) =>
  new InputError(`invalid jsonpath template ${JSON.stringify(tpl)}: ${why}`, `e.g. -o jsonpath='{.items[*].metadata.name}' or '{range .items[*]}{.metadata.name}{"\\n"}{end}'`)

/** A quoted literal's text, with kubectl's escapes. */
function unquote(s: string): string {
  return s.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ({n: '\n', t: '\t', r: '\r'})[c] ?? c)
}

function parsePath(src: string, tpl: string): Path {
  let i = 0
  let root: Path['root'] = '@'
  const segs: Seg[] = []
  if (src[0] === '$') {
    root = '$'
    i = 1
  } else if (src[0] === '@') i = 1
  const ident = (): string => {
    let name = ''
    while (i < src.length && !'.[]'.includes(src[i])) {
      if (src[i] === '\\' && i + 1 < src.length) {
        name += src[i + 1]
        i += 2
      } else name += src[i++]
    }
    return name
  }
  while (i < src.length) {
    const c = src[i]
    if (c === '.' && src[i + 1] === '.') {
      i += 2
      const name = src[i] === '*' ? (i++, undefined) : ident() || undefined
      segs.push({t: 'recurse', name})
    } else if (c === '.') {
      i++
      if (src[i] === '*') {
        i++
        segs.push({t: 'wild'})
      } else if (i < src.length && src[i] !== '[') {
        segs.push({t: 'field', name: ident()})
      }
    } else if (c === '[') {
      const close = matching(src, i, tpl)
      const inner = src.slice(i + 1, close).trim()
      i = close + 1
      segs.push(parseBracket(inner, tpl))
    } else if (c === ' ') i++
    else segs.push({t: 'field', name: ident()})
  }
  return {root, segs}
}

/** The index of the `]` that closes the `[` at `at`, past quotes and nested brackets. */
function matching(src: string, at: number, tpl: string): number {
  let depth = 0
  for (let i = at; i < src.length; i++) {
    const c = src[i]
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1)
      if (end < 0) throw bad(tpl, 'unterminated quote')
      i = end
    } else if (c === '[' || c === '(') depth++
    else if (c === ']' || c === ')') {
      depth--
      if (depth === 0 && c === ']') return i
    }
  }
  throw bad(tpl, 'unclosed [')
}

function parseBracket(inner: string, tpl: string): Seg {
  if (inner === '*') return {t: 'wild'}
  if (inner.startsWith('?(') && inner.endsWith(')')) return parseFilter(inner.slice(2, -1).trim(), tpl)
  if (/^(['"]).*\1$/.test(inner)) return {t: 'field', name: unquote(inner)}
  const items = inner.split(',').map((part) => {
    const p = part.trim()
    if (/^-?\d+$/.test(p)) return {i: Number(p)}
    const m = /^(-?\d+)?:(-?\d+)?(?::(-?\d+))?$/.exec(p)
    if (!m) throw bad(tpl, `cannot read [${inner}]`)
    const num = (x?: string) => (x === undefined ? undefined : Number(x))
    return {start: num(m[1]), end: num(m[2]), step: num(m[3])}
  })
  return {t: 'index', items}
}

function parseFilter(expr: string, tpl: string): Seg {
  const m = /^(.+?)\s*(==|!=|<=|>=|<|>|=~)\s*(.+)$/.exec(expr)
  if (!m) return {t: 'filter', left: parsePath(expr, tpl)}
  const operand = (s: string): Path | {lit: unknown} => {
    if (/^(['"]).*\1$/.test(s)) return {lit: unquote(s)}
    if (/^-?\d+(\.\d+)?$/.test(s)) return {lit: Number(s)}
    if (s === 'true' || s === 'false') return {lit: s === 'true'}
    if (s[0] === '@' || s[0] === '$') return parsePath(s, tpl)
    throw bad(tpl, `cannot read filter operand ${s}`)
  }
  return {t: 'filter', left: parsePath(m[1], tpl), op: m[2], right: operand(m[3])}
}

/** The template's nodes, with range bodies nested. */
function parseTemplate(tpl: string): Node[] {
  const stack: Array<{nodes: Node[]; range?: Node & {t: 'range'}}> = [{nodes: []}]
  let i = 0
  while (i < tpl.length) {
    const open = tpl.indexOf('{', i)
    const top = stack[stack.length - 1].nodes
    if (open < 0) {
      top.push({t: 'text', text: tpl.slice(i)})
      break
    }
    if (open > i) top.push({t: 'text', text: tpl.slice(i, open)})
    let close = open + 1
    let quote = ''
    for (; close < tpl.length; close++) {
      const c = tpl[close]
      if (quote) {
        if (c === '\\') close++
        else if (c === quote) quote = ''
      } else if (c === '"' || c === "'") quote = c
      else if (c === '}') break
    }
    if (close >= tpl.length) throw bad(tpl, 'unclosed {')
    const inner = tpl.slice(open + 1, close).trim()
    i = close + 1
    if (/^range\s/.test(inner)) {
      const node: Node & {t: 'range'} = {t: 'range', path: parsePath(inner.slice(6).trim(), tpl), body: []}
      top.push(node)
      stack.push({nodes: node.body, range: node})
    } else if (inner === 'end') {
      if (stack.length === 1) throw bad(tpl, '{end} without {range}')
      stack.pop()
    } else if (/^(['"]).*\1$/s.test(inner)) top.push({t: 'lit', text: unquote(inner)})
    else if (inner === '') throw bad(tpl, 'empty {}')
    else top.push({t: 'path', path: parsePath(inner, tpl)})
  }
  if (stack.length > 1) throw bad(tpl, '{range} without {end}')
  return stack[0].nodes
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function descend(v: unknown, name?: string): unknown[] {
  const out: unknown[] = []
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk)
    else if (isObj(x)) {
      if (name === undefined) out.push(...Object.values(x))
      else if (name in x) out.push(x[name])
      Object.values(x).forEach(walk)
    }
  }
  if (name === undefined) out.push(v)
  walk(v)
  return out
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b || (typeof a !== 'object' && String(a) === String(b) && typeof a === typeof b)
    case '!=':
      return a !== b
    case '<':
      return (a as number) < (b as number)
    case '>':
      return (a as number) > (b as number)
    case '<=':
      return (a as number) <= (b as number)
    case '>=':
      return (a as number) >= (b as number)
    case '=~':
      return typeof a === 'string' && typeof b === 'string' && new RegExp(b).test(a)
  }
  return false
}

function evalPath(p: Path, root: unknown, current: unknown): unknown[] {
  let vals: unknown[] = [p.root === '$' ? root : current]
  for (const s of p.segs) {
    const next: unknown[] = []
    for (const v of vals) {
      if (s.t === 'field') {
        if (isObj(v) && s.name in v) next.push(v[s.name])
      } else if (s.t === 'wild') {
        if (Array.isArray(v)) next.push(...v)
        else if (isObj(v)) next.push(...Object.keys(v).sort().map((k) => v[k]))
      } else if (s.t === 'recurse') next.push(...descend(v, s.name))
      else if (s.t === 'index') {
        if (!Array.isArray(v)) continue
        for (const it of s.items) {
          if ('i' in it) {
            const i = it.i < 0 ? v.length + it.i : it.i
            if (i >= 0 && i < v.length) next.push(v[i])
          } else {
            const norm = (x: number | undefined, d: number) => (x === undefined ? d : x < 0 ? Math.max(0, v.length + x) : Math.min(x, v.length))
            const step = it.step ?? 1
            for (let i = norm(it.start, 0); i < norm(it.end, v.length); i += step > 0 ? step : 1) next.push(v[i])
          }
        }
      } else {
        const items = Array.isArray(v) ? v : isObj(v) ? [v] : []
        for (const item of items) {
          const left = evalPath(s.left, root, item)
          if (!s.op) {
            if (left.length) next.push(item)
            continue
          }
          const right = s.right && 'lit' in s.right ? [s.right.lit] : evalPath(s.right as Path, root, item)
          if (left.length && right.length && compare(left[0], s.op, right[0])) next.push(item)
        }
      }
    }
    vals = next
  }
  return vals
}

/** How kubectl prints one value of a template. */
export function valueText(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined) return ''
  return JSON.stringify(v)
}

export interface JsonPath {
  /** the template's text for one object (a List or one item) */
  execute(data: unknown): string
  /** the values of a single path (custom-columns) */
  values(data: unknown): unknown[]
}

/**
 * Compile a kubectl JSONPath template. A template without braces is taken as one path, as kubectl
 * does for custom-columns (`.metadata.name`).
 */
export function compileJsonPath(template: string): JsonPath {
  const tpl = template.includes('{') ? template : `{${template}}`
  const nodes = parseTemplate(tpl)
  const run = (ns: Node[], root: unknown, cur: unknown): string =>
    ns
      .map((n) => {
        if (n.t === 'text' || n.t === 'lit') return n.text
        const vals = evalPath(n.path, root, cur)
        if (n.t === 'path') return vals.map(valueText).join(' ')
        const items = vals.length === 1 && Array.isArray(vals[0]) ? vals[0] : vals
        return items.map((item) => run(n.body, root, item)).join('')
      })
      .join('')
  return {
    execute: (data) => run(nodes, data, data),
    values: (data) => nodes.flatMap((n) => (n.t === 'path' ? evalPath(n.path, data, data) : n.t === 'text' || n.t === 'lit' ? [n.text] : [])),
  }
}
