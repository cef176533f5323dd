/**
 * kubectl's printers over v1 objects: tables (kubectl's tab writer: columns at least 6 wide, 3
 * spaces apart), wide, `--no-headers`, `--show-labels`, `-L key`, `--sort-by`, and `-o json|yaml|
 * name|jsonpath=|jsonpath-file=|custom-columns=|custom-columns-file=`. Pure: text in, text out.
 */
import {readFileSync} from 'node:fs'
import {InputError} from '../errors.js'
import {compileJsonPath, valueText} from './jsonpath.js'
import {KINDS, qualified, type KindInfo} from './kinds.js'

export type Output =
  | {t: 'table' | 'wide' | 'json' | 'yaml' | 'name'}
  | {t: 'jsonpath'; template: string}
  | {t: 'custom-columns'; columns: Array<{head: string; path: string}>}

export const OUTPUT_HELP = 'json|yaml|wide|name|jsonpath=TEMPLATE|jsonpath-file=FILE|custom-columns=SPEC|custom-columns-file=FILE'

const readSpec = (file: string): string => {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
}

/** `NAME:.metadata.name,IP:.status.podIP`; the file form is a header line over a line of paths. */
export function parseCustomColumns(spec: string, fromFile = false): Array<{head: string; path: string}> {
  if (fromFile) {
    const lines = spec.split('\n').map((l) => l.trim()).filter(Boolean)
    if (lines.length !== 2) throw new InputError('a custom-columns file has two lines: the headers, then the JSONPath of each column', 'e.g.\nNAME          IP\n.metadata.name .status.podIP')
    const heads = lines[0].split(/\s+/)
    const paths = lines[1].split(/\s+/)
    if (heads.length !== paths.length) throw new InputError(`custom-columns file: ${heads.length} headers but ${paths.length} paths`)
    return heads.map((head, i) => ({head, path: paths[i]}))
  }
  if (!spec.trim()) throw new InputError('custom-columns format specified but no custom columns given', "e.g. -o custom-columns=NAME:.metadata.name,IP:.status.podIP")
  return spec.split(',').map((part) => {
    const i = part.indexOf(':')
    if (i < 1 || i === part.length - 1) throw new InputError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`, "e.g. -o custom-columns=NAME:.metadata.name,IP:.status.podIP")
    return {head: part.slice(0, i), path: part.slice(i + 1)}
  })
}

/** The value of `-o`; exit 2 on anything else. */
export function parseOutput(flag: string | undefined): Output {
  if (flag === undefined || flag === '') return {t: 'table'}
  if (['json', 'yaml', 'wide', 'name'].includes(flag)) return {t: flag as 'json'}
  const eq = flag.indexOf('=')
  const key = eq < 0 ? flag : flag.slice(0, eq)
  const value = eq < 0 ? '' : flag.slice(eq + 1)
  switch (key) {
    case 'jsonpath':
    case 'jsonpath-as-json':
      if (!value) throw new InputError('template format specified but no template given', `e.g. -o jsonpath='{.items[*].metadata.name}'`)
      compileJsonPath(value) // a bad template is refused before anything else
      return {t: 'jsonpath', template: value}
    case 'jsonpath-file':
      return parseOutput(`jsonpath=${readSpec(value)}`)
    case 'custom-columns':
      return {t: 'custom-columns', columns: parseCustomColumns(value)}
    case 'custom-columns-file':
      return {t: 'custom-columns', columns: parseCustomColumns(readSpec(value), true)}
  }
  throw new InputError(`unable to match a printer suitable for the output format "${flag}"`, `allowed formats are: ${OUTPUT_HELP}`)
}

/** kubectl's tab writer: each cell but the last padded to its column's widest + 3, at least 6. */
export function tabulate(rows: string[][]): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)))
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(Math.max(6, widths[i] + 3) - ([...c].length - c.length)))).join('').trimEnd()).join('\n')
}

/** `app=web,tier=db` with keys sorted, or <none>. */
export const labelsText = (l: Record<string, string> | undefined): string =>
  Object.keys(l ?? {}).sort().map((k) => `${k}=${l![k]}`).join(',') || '<none>'

export interface V1Object {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; labels?: Record<string, string>}
}

export interface Row {
  obj: V1Object
  /** the table's cells after NAME */
  cells: string[]
  /** the cells -o wide adds */
  wide: string[]
}

export interface Group {
  kind: KindInfo
  /** headers after NAME */
  head: string[]
  wideHead: string[]
  rows: Row[]
}

export interface PrintOptions {
  output: Output
  noHeaders?: boolean
  showLabels?: boolean
  labelColumns?: string[]
  sortBy?: string
  /** -A: a NAMESPACE column first */
  allNamespaces?: boolean
  /** several kinds or KIND/NAME arguments: NAME is kind/name */
  withKind?: boolean
  /** one object asked by name: json/yaml/jsonpath get the object itself, not a List */
  single?: boolean
  /** the YAML writer, loaded by the caller only when -o yaml asks (start-up time) */
  toYaml?: (data: unknown) => string
}

/** Sort rows by the value of a JSONPath (numbers as numbers), objects without it first, as kubectl does. */
export function sortRows(rows: Row[], sortBy: string): Row[] {
  const jp = compileJsonPath(sortBy.includes('{') ? sortBy : `{${sortBy}}`)
  const key = (r: Row) => jp.values(r.obj)[0]
  return [...rows].sort((a, b) => {
    const x = key(a)
    const y = key(b)
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : -1) : 1
    if (typeof x === 'number' && typeof y === 'number') return x - y
    return valueText(x) < valueText(y) ? -1 : valueText(x) > valueText(y) ? 1 : 0
  })
}

/** The last part of a label key, upper-cased: kubectl's -L header. */
const labelHead = (key: string) => key.slice(key.lastIndexOf('/') + 1).toUpperCase()

const nameOf = (g: Group, r: Row, withKind?: boolean) => (withKind ? `${qualified(g.kind)}/${r.obj.metadata.name}` : r.obj.metadata.name)

function tableOf(g: Group, rows: Row[], o: PrintOptions): string {
  const wide = o.output.t === 'wide'
  const labelCols = o.labelColumns ?? []
  const nsCol = o.allNamespaces && g.kind.namespaced
  const head = [...(nsCol ? ['NAMESPACE'] : []), 'NAME', ...g.head, ...(wide ? g.wideHead : []), ...labelCols.map(labelHead), ...(o.showLabels ? ['LABELS'] : [])]
  const body = rows.map((r) => [
    ...(nsCol ? [r.obj.metadata.namespace ?? ''] : []),
    nameOf(g, r, o.withKind),
    ...r.cells,
    ...(wide ? r.wide : []),
    ...labelCols.map((k) => r.obj.metadata.labels?.[k] ?? ''),
    ...(o.showLabels ? [labelsText(r.obj.metadata.labels)] : []),
  ])
  return tabulate(o.noHeaders ? body : [head, ...body])
}

/** kubectl's line for an empty result (on stderr). */
export const noResources = (namespace: string | undefined): string => (namespace === undefined ? 'No resources found' : `No resources found in ${namespace} namespace.`)

/** Print the groups as -o asks; undefined when there is nothing to print (the caller says so on stderr). */
export function printGroups(groups: Group[], o: PrintOptions): string | undefined {
  const sorted = groups.map((g) => ({...g, rows: o.sortBy ? sortRows(g.rows, o.sortBy) : g.rows}))
  const objs = sorted.flatMap((g) => g.rows.map((r) => r.obj))
  const data = o.single && objs.length === 1 ? objs[0] : {apiVersion: 'v1', kind: 'List', items: objs}
  switch (o.output.t) {
    case 'json':
      return JSON.stringify(data, null, 4)
    case 'yaml':
      if (!o.toYaml) throw new Error('printGroups: -o yaml without a YAML writer')
      return o.toYaml(data).trimEnd()
    case 'jsonpath':
      return compileJsonPath(o.output.template).execute(data)
    default:
  }
  if (!objs.length) return undefined
  switch (o.output.t) {
    case 'name':
      return sorted.flatMap((g) => g.rows.map((r) => `${qualified(g.kind)}/${r.obj.metadata.name}`)).join('\n')
    case 'custom-columns': {
      const cols = o.output.columns.map((c) => ({...c, jp: compileJsonPath(c.path.includes('{') ? c.path : `{${c.path}}`)}))
      const body = objs.map((obj) =>
        cols.map((c) => {
          const v = c.jp.values(obj)
          return v.length ? v.map(valueText).join(',') : '<none>'
        }),
      )
      return tabulate(o.noHeaders ? body : [cols.map((c) => c.head), ...body])
    }
    default:
      return sorted.filter((g) => g.rows.length).map((g) => tableOf(g, g.rows, o)).join('\n\n')
  }
}

/** -o name|jsonpath|custom-columns over what a topic command renders: a v1 object or a List of them. */
export function printData(data: unknown, output: Output): string | undefined {
  const d = data as {kind?: string; items?: V1Object[]}
  const items = d.kind === 'List' && Array.isArray(d.items) ? d.items : [data as V1Object]
  if (output.t === 'jsonpath') return compileJsonPath(output.template).execute(data)
  const groups: Group[] = []
  for (const obj of items) {
    const kind = KINDS.find((k) => k.kind === obj?.kind)
    if (!kind || !obj.metadata) continue
    const g = groups.find((x) => x.kind === kind)
    const row = {obj, cells: [], wide: []}
    if (g) g.rows.push(row)
    else groups.push({kind, head: [], wideHead: [], rows: [row]})
  }
  return printGroups(groups, {output})
}
