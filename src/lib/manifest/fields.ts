/**
 * What mk8s does with every field of a manifest, as a tree per kind: a field is acted on (`ok`),
 * written by the API server or kubectl and accepted as a note (`readOnly`), accepted only at the
 * value Kubernetes itself writes by default (`defaults`), checked by a rule (`rule`), or refused
 * (`refuse`). A key the tree does not know is an unknown field. The same tree drives validation
 * (`walk`), `apply --validate=warn|ignore` (`strip`) and docs/manifests.md (`describeTree`).
 */
import {InputError} from '../errors.js'

export type Field =
  | {t: 'ok'; doc?: string}
  | {t: 'readOnly'}
  | {t: 'map'; doc?: string}
  | {t: 'defaults'; values: unknown[]; doc: string}
  | {t: 'rule'; doc: string; check: (value: unknown, parent: Record<string, unknown>) => {why: string; fix: string} | undefined}
  | {t: 'refuse'; why: string; fix: string}
  | {t: 'obj'; fields: Record<string, Field>; doc?: string}
  | {t: 'list'; of: Field}

export const ok = (doc?: string): Field => ({t: 'ok', doc})
export const readOnly: Field = {t: 'readOnly'}
export const map = (doc?: string): Field => ({t: 'map', doc})
export const defaults = (values: unknown[], doc: string): Field => ({t: 'defaults', values, doc})
export const refuse = (why: string, fix = 'remove it'): Field => ({t: 'refuse', why, fix})
export const obj = (fields: Record<string, Field>, doc?: string): Field => ({t: 'obj', fields, doc})
export const list = (of: Field): Field => ({t: 'list', of})
export const rule = (doc: string, check: Extract<Field, {t: 'rule'}>['check']): Field => ({t: 'rule', doc, check})

export type Segment = string | number

/** One path notation for every kind: `spec.template.spec.containers[0].env[1].valueFrom`, `data["tls.crt"]`. */
export function fieldPath(segments: readonly Segment[], root = ''): string {
  return segments.reduce<string>((acc, s) => {
    if (typeof s === 'number') return `${acc}[${s}]`
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) return acc ? `${acc}.${s}` : s
    return `${acc}[${JSON.stringify(s)}]`
  }, root)
}

export interface Issue {
  path: Segment[]
  why: string
  fix: string
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Edit distance, to say "did you mean selector?" for `selectr`. */
function distance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
  }
  return d[a.length][b.length]
}

function unknownFix(key: string, known: string[]): string {
  const near = known.filter((k) => distance(k.toLowerCase(), key.toLowerCase()) <= Math.max(1, Math.floor(k.length / 4))).sort((x, y) => distance(x, key) - distance(y, key))
  if (near.length) return `did you mean ${near[0]}?`
  return `check the spelling; the fields mk8s knows here are ${known.join(', ')}`
}

/** Every field of `value` that mk8s would not act on as written, in document order. */
export function walk(field: Field, value: unknown, path: Segment[] = [], parent: Record<string, unknown> = {}): Issue[] {
  switch (field.t) {
    case 'ok':
    case 'readOnly':
    case 'map':
      return []
    case 'defaults':
      return field.values.some((v) => same(v, value))
        ? []
        : [{path, why: `mk8s takes only ${field.values.map((v) => JSON.stringify(v)).join(' or ')} here (${field.doc})`, fix: field.values.length === 1 ? `remove it, or set it to ${JSON.stringify(field.values[0])}` : 'remove it'}]
    case 'rule': {
      const r = field.check(value, parent)
      return r ? [{path, ...r}] : []
    }
    case 'refuse':
      return [{path, why: field.why, fix: field.fix}]
    case 'list':
      return Array.isArray(value) ? value.flatMap((v, i) => walk(field.of, v, [...path, i], parent)) : []
    case 'obj': {
      if (!isObj(value)) return [] // the kind's parser names the wrong type
      const known = Object.keys(field.fields)
      return Object.entries(value).flatMap(([k, v]) => {
        const f = Object.hasOwn(field.fields, k) ? field.fields[k] : undefined
        if (!f) return [{path: [...path, k], why: 'unknown field', fix: unknownFix(k, known)}]
        return walk(f, v, [...path, k], value)
      })
    }
  }
}

/** A copy of the document without the fields of these issues (what `--validate=warn|ignore` applies). */
export function strip(doc: Record<string, unknown>, issues: readonly Issue[]): Record<string, unknown> {
  const copy = structuredClone(doc)
  for (const i of issues) {
    let at: unknown = copy
    for (const s of i.path.slice(0, -1)) at = (at as Record<string | number, unknown>)?.[s]
    if (at && typeof at === 'object') delete (at as Record<string | number, unknown>)[i.path.at(-1)!]
  }
  return copy
}

export const issueText = (i: Issue): string => `${fieldPath(i.path)}: ${i.why}`

/** The one error for fields mk8s would not act on, for every kind: each path, why, and what to do. */
export function issuesError(where: string, issues: readonly Issue[]): InputError {
  if (issues.length === 1) return new InputError(`${where}: ${issueText(issues[0])}`, `${issues[0].fix}; nothing was applied`)
  return new InputError(
    `${where}: ${issues.length} fields mk8s would not act on:\n${issues.map((i) => `  ${issueText(i)} (${i.fix})`).join('\n')}`,
    'fix these fields, or apply with --validate=warn to apply the rest without them; nothing was applied',
  )
}

export const VALIDATE_MODES = ['strict', 'warn', 'ignore'] as const
export type ValidateMode = (typeof VALIDATE_MODES)[number]

/**
 * Check one document against its kind's tree. strict: any issue is exit 2. warn: the issues'
 * fields are left out and reported through `warn`, one line each. ignore: left out silently.
 */
export function checkFields(tree: Field, doc: Record<string, unknown>, where: string, mode: ValidateMode, warn: (line: string) => void): Record<string, unknown> {
  const issues = walk(tree, doc)
  if (issues.length && mode === 'strict') throw issuesError(where, issues)
  if (mode === 'warn') for (const i of issues) warn(`${where}: ${issueText(i)}; left out`)
  return issues.length ? strip(doc, issues) : doc
}

export interface FieldRow {
  path: string
  what: 'supported' | 'read-only' | 'default only' | 'checked' | 'refused'
  note: string
}

/** The tree as rows for docs/manifests.md: every field with what mk8s does with it (`[]` marks a list item). */
export function describeTree(field: Field, path = ''): FieldRow[] {
  switch (field.t) {
    case 'ok':
      return [{path, what: 'supported', note: field.doc ?? ''}]
    case 'map':
      return [{path, what: 'supported', note: field.doc ?? 'any keys'}]
    case 'readOnly':
      return [{path, what: 'read-only', note: 'written by Kubernetes or kubectl; accepted, not kept'}]
    case 'defaults':
      return [{path, what: 'default only', note: `${field.values.map((v) => JSON.stringify(v)).join(' or ')}: ${field.doc}`}]
    case 'rule':
      return [{path, what: 'checked', note: field.doc}]
    case 'refuse':
      return [{path, what: 'refused', note: `${field.why}; ${field.fix}`}]
    case 'list':
      return describeTree(field.of, `${path}[]`)
    case 'obj':
      return [
        ...(path && field.doc ? [{path, what: 'supported' as const, note: field.doc}] : []),
        ...Object.entries(field.fields).flatMap(([k, f]) => describeTree(f, fieldPath([k], path))),
      ]
  }
}
