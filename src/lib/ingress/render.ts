import {table} from '../cli/table.js'
import type {IngressRecord} from '../state/schema.js'
import {age} from '../util/age.js'
import {describeBackend} from './spec.js'
import {ingressHosts, ingressPorts} from './v1.js'

/** kubectl's columns: NAME CLASS HOSTS ADDRESS PORTS AGE. */
export const renderIngresses = (list: IngressRecord[], address: string | undefined, allNamespaces = false): string =>
  table(
    [...(allNamespaces ? ['namespace'] : []), 'name', 'class', 'hosts', 'address', 'ports', 'age'],
    list.map((i) => [...(allNamespaces ? [i.namespace] : []), i.name, i.spec.ingressClassName, ingressHosts(i), address ?? '', ingressPorts(i), age(i.createdAt)]),
  )

/** The rules of one ingress, as kubectl describe lists them. */
export function renderIngressRules(i: IngressRecord): string {
  const spec = i.spec
  const rows: string[][] = []
  for (const r of spec.rules) for (const p of r.http?.paths ?? []) rows.push([r.host ?? '*', p.path, p.pathType, describeBackend(p.backend)])
  if (spec.defaultBackend) rows.push(['*', '(default)', '', describeBackend(spec.defaultBackend)])
  const tls = spec.tls.map((t) => `  ${t.secretName ?? '(default certificate)'} terminates ${t.hosts.join(',') || '*'}`)
  return [table(['host', 'path', 'type', 'backend'], rows), ...(tls.length ? ['TLS:', ...tls] : [])].join('\n')
}
