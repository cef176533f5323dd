/**
 * `mk8s explain KIND[.FIELD...]`: kubectl's explain, from the trees that validate manifests
 * (src/lib/manifest/supported.ts), so that it says what mk8s does with each field, not only what
 * Kubernetes means by it.
 */
import {InputError} from '../errors.js'
import {describeTree, type Field} from '../manifest/fields.js'
import {kindFields} from '../manifest/supported.js'
import {editDistance} from './suggest.js'
import {resolveKind} from './kinds.js'

export interface ExplainRow {
  name: string
  type: string
  what: string
  note: string
}

export interface Explanation {
  kind: string
  version: string
  /** the field asked, "" for the kind itself */
  field: string
  type: string
  what: string
  note: string
  fields: ExplainRow[]
}

/** kubectl's type words for a tree node, as far as the tree knows them ("" for a value). */
function typeOf(f: Field): string {
  if (f.t === 'list') return `[]${typeOf(f.of) || 'value'}`
  if (f.t === 'obj') return 'Object'
  if (f.t === 'map') return 'map[string]string'
  return ''
}
const typed = (name: string, type: string) => (type ? `${name} <${type}>` : name)

/** The row of one node of the tree: what mk8s does and why, as docs/manifests.md says it. */
function row(f: Field): {what: string; note: string} {
  const inner = f.t === 'list' ? f.of : f
  if (inner.t === 'obj') return {what: 'supported', note: inner.doc ?? ''}
  const [r] = describeTree(inner)
  return {what: r.what, note: r.note}
}

const children = (f: Field): Record<string, Field> => {
  const inner = f.t === 'list' ? f.of : f
  return inner.t === 'obj' ? inner.fields : {}
}

export function explain(target: string, o: {recursive?: boolean} = {}): Explanation {
  const [word, ...path] = target.split('.')
  const info = resolveKind(word)
  const kind = info.kind
  let node = kindFields[kind]
  if (!node) throw new InputError(`mk8s has no manifest of kind ${kind}: it makes ${kind === 'Endpoints' ? 'them from the pods a service selects' : 'it itself'}`, `the kinds apply -f takes: ${Object.keys(kindFields).join(', ')}`)
  for (const [i, seg] of path.entries()) {
    const fields = children(node)
    if (!fields[seg]) {
      const at = [kind, ...path.slice(0, i)].join('.')
      const guess = Object.keys(fields).map((k) => [k, editDistance(seg, k)] as const).sort((a, b) => a[1] - b[1])[0]
      throw new InputError(`field "${seg}" does not exist in ${at}`, guess && guess[1] <= 2 ? `did you mean "${guess[0]}"? ('mk8s explain ${at}.${guess[0]}')` : `see 'mk8s explain ${at}'`)
    }
    node = fields[seg]
  }
  const rows = (f: Field, prefix: string): ExplainRow[] =>
    Object.entries(children(f)).flatMap(([name, c]) => [{name: `${prefix}${name}`, type: typeOf(c), ...row(c)}, ...(o.recursive ? rows(c, `${prefix}${name}.`) : [])])
  return {kind, version: info.apiVersion, field: path.join('.'), type: typeOf(node), ...row(node), fields: rows(node, '')}
}

export function renderExplanation(e: Explanation): string {
  const lines = [`KIND:     ${e.kind}`, `VERSION:  ${e.version}`, '']
  if (e.field) lines.push(`FIELD:    ${typed(e.field, e.type)}`, '', 'DESCRIPTION:', `    mk8s: ${e.what}${e.note ? `: ${e.note}` : ''}`, '')
  if (e.fields.length) {
    const w = Math.max(...e.fields.map((f) => typed(f.name, f.type).length))
    lines.push('FIELDS:', ...e.fields.map((f) => `  ${typed(f.name, f.type).padEnd(w)}  ${f.what}${f.note ? `: ${f.note}` : ''}`))
  }
  return lines.join('\n').trimEnd()
}
