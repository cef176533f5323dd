/**
 * kubectl's label selector grammar (`-l`), whole: requirements joined by commas, each one of
 * `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key` (exists),
 * `!key` (does not exist). Every requirement must hold. `!=` and `notin` also select objects
 * without the key, as in Kubernetes.
 */
import {InputError} from '../errors.js'

export type Requirement =
  | {key: string; op: 'in' | 'notin'; values: string[]}
  | {key: string; op: '=' | '!='; values: [string]}
  | {key: string; op: 'exists' | '!exists'; values: []}

export type Selector = Requirement[]

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/

const HINT = "kubectl's grammar: -l 'app=web', 'app!=web', 'app in (a,b)', 'app notin (a,b)', 'app', '!app', joined by commas"

function checkKey(key: string, text: string): string {
  const name = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key
  if (!KEY.test(key) || name.length > 63 || key.length > 253) throw new InputError(`invalid label selector ${JSON.stringify(text)}: ${JSON.stringify(key)} is not a label key`, HINT)
  return key
}

function checkValue(v: string, text: string): string {
  if (!VALUE.test(v) || v.length > 63) throw new InputError(`invalid label selector ${JSON.stringify(text)}: ${JSON.stringify(v)} is not a label value`, HINT)
  return v
}

/** Split at the commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let cur = ''
  for (const c of text) {
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === ',' && depth === 0) {
      parts.push(cur)
      cur = ''
    } else cur += c
  }
  if (depth !== 0) throw new InputError(`invalid label selector ${JSON.stringify(text)}: unbalanced parentheses`, HINT)
  parts.push(cur)
  return parts
}

export function parseSelector(text: string): Selector {
  if (text.trim() === '') return []
  return splitTop(text).map((raw): Requirement => {
    const part = raw.trim()
    if (!part) throw new InputError(`invalid label selector ${JSON.stringify(text)}: an empty requirement`, HINT)
    let m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(part)
    if (m) {
      const values = m[3].split(',').map((v) => checkValue(v.trim(), text))
      return {key: checkKey(m[1], text), op: m[2] as 'in' | 'notin', values}
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part)
    if (m) return {key: checkKey(m[1], text), op: m[2] === '!=' ? '!=' : '=', values: [checkValue(m[3], text)]}
    m = /^!\s*(\S+)$/.exec(part)
    if (m) return {key: checkKey(m[1], text), op: '!exists', values: []}
    if (/^\S+$/.test(part)) return {key: checkKey(part, text), op: 'exists', values: []}
    throw new InputError(`invalid label selector ${JSON.stringify(text)}: cannot read ${JSON.stringify(part)}`, HINT)
  })
}

export function matchesSelector(sel: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {}
  return sel.every((r) => {
    const has = Object.hasOwn(l, r.key)
    switch (r.op) {
      case '=':
        return has && l[r.key] === r.values[0]
      case '!=':
        return !has || l[r.key] !== r.values[0]
      case 'in':
        return has && r.values.includes(l[r.key])
      case 'notin':
        return !has || !r.values.includes(l[r.key])
      case 'exists':
        return has
      case '!exists':
        return !has
    }
  })
}

/** The selector written back in kubectl's canonical form (for messages). */
export const selectorText = (sel: Selector): string =>
  sel
    .map((r) => (r.op === 'exists' ? r.key : r.op === '!exists' ? `!${r.key}` : r.op === 'in' || r.op === 'notin' ? `${r.key} ${r.op} (${r.values.join(',')})` : `${r.key}${r.op}${r.values[0]}`))
    .join(',')

/** Field selectors kubectl's get takes for every kind mk8s has. */
export const FIELDS = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'] as const

export interface FieldRequirement {
  field: string
  op: '=' | '!='
  value: string
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  if (text.trim() === '') return []
  return text.split(',').map((raw) => {
    const m = /^\s*([A-Za-z.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw)
    if (!m) throw new InputError(`invalid field selector ${JSON.stringify(text)}: cannot read ${JSON.stringify(raw)}`, 'e.g. --field-selector status.phase=Running,spec.nodeName=node1')
    if (!(FIELDS as readonly string[]).includes(m[1])) throw new InputError(`field selector "${m[1]}" is not supported`, `fields: ${FIELDS.join(', ')}`)
    return {field: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3]}
  })
}

/** Does a v1 object meet the field selector? A field the object does not have is the empty string. */
export function matchesFields(reqs: FieldRequirement[], obj: unknown): boolean {
  return reqs.every((r) => {
    let v: unknown = obj
    for (const p of r.field.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined
    const s = v === undefined || v === null ? '' : String(v)
    return r.op === '=' ? s === r.value : s !== r.value
  })
}
