/** The generated part of docs/manifests.md: per kind, every field and what mk8s does with it. */
import {describeTree, type FieldRow} from './fields.js'
import {kindFields, metadataFields} from './supported.js'

export const DOC_BEGIN = '<!-- generated from src/lib/manifest/supported.ts: begin -->'
export const DOC_END = '<!-- generated: end -->'

const API: Record<string, string> = {Pod: 'v1', Deployment: 'apps/v1', Service: 'v1', Secret: 'v1', Ingress: 'networking.k8s.io/v1', Namespace: 'v1', IngressClass: 'networking.k8s.io/v1', ConfigMap: 'v1', NetworkPolicy: 'networking.k8s.io/v1', Endpoints: 'v1', EndpointSlice: 'discovery.k8s.io/v1', StatefulSet: 'apps/v1'}

const cell = (s: string) => s.replaceAll('|', '\\|')

const table = (title: string, rows: FieldRow[]) =>
  [title, '', '| field | mk8s | what it does, or why not |', '| --- | --- | --- |', ...rows.map((r) => `| \`${r.path}\` | ${r.what} | ${cell(r.note)} |`)].join('\n')

const key = (r: FieldRow) => `${r.path} ${r.what} ${r.note}`

/** The common metadata once, then each kind's other fields (and metadata that differs for it). */
export function renderFieldDocs(): string {
  const common = describeTree(metadataFields(), 'metadata')
  const seen = new Set(common.map(key))
  const parts = Object.entries(kindFields).map(([kind, tree]) =>
    table(`### ${kind} (${API[kind]})`, describeTree(tree).filter((r) => !['apiVersion', 'kind'].includes(r.path) && !seen.has(key(r)))),
  )
  return `${DOC_BEGIN}\n\n${table('### metadata (every kind)', common)}\n\n${parts.join('\n\n')}\n\n${DOC_END}`
}
