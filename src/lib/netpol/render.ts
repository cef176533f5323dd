import {table} from '../cli/table.js'
import type {NetworkPolicyRecord, State} from '../state/schema.js'
import {age} from '../util/age.js'
import type {Explanation} from './explain.js'
import {policyPods, selectedBy} from './select.js'
import {toPolicy, type Peer, type PolicyPort, type Rule, type Selector} from './spec.js'

/** kubectl's way of writing a selector: k=v,k in (a,b),!k; <none> for the empty one. */
export function selectorText(s: Selector | undefined): string {
  if (!s) return '<none>'
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`)
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`)
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`)
    else if (e.operator === 'Exists') parts.push(e.key)
    else parts.push(`!${e.key}`)
  }
  return parts.length ? parts.join(',') : '<none>'
}

export function renderPolicies(list: NetworkPolicyRecord[], all: boolean): string {
  const rows = list.map((p) => [...(all ? [p.namespace] : []), p.name, selectorText(p.spec.podSelector), age(p.createdAt)])
  return table([...(all ? ['namespace'] : []), 'name', 'pod-selector', 'age'], rows)
}

/** A v1 NetworkPolicy, as kubectl get -o json shows it. */
export const toV1NetworkPolicy = (p: NetworkPolicyRecord) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: {name: p.name, namespace: p.namespace, uid: p.uid, creationTimestamp: p.createdAt, ...(Object.keys(p.labels).length ? {labels: p.labels} : {}), ...(Object.keys(p.annotations).length ? {annotations: p.annotations} : {})},
  spec: p.spec,
})

const peerText = (p: Peer) =>
  p.kind === 'ipBlock'
    ? `IPBlock: CIDR ${p.cidr}${p.except.length ? ` Except: ${p.except.join(', ')}` : ''}`
    : [p.namespaceSelector ? `NamespaceSelector: ${selectorText(p.namespaceSelector)}` : '', p.podSelector ? `PodSelector: ${selectorText(p.podSelector)}` : ''].filter(Boolean).join('  ')
const portText = (p: PolicyPort) => `${p.port ?? '<any>'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol}`

function rulesText(rules: Rule[], dir: 'from' | 'to'): string[] {
  const out: string[] = []
  rules.forEach((r) => {
    out.push(`    To Port: ${r.ports ? r.ports.map(portText).join(', ') : '<any> (traffic allowed to all ports)'}`)
    if (!r.peers) out.push(`    ${dir === 'from' ? 'From' : 'To'}: <any> (traffic not restricted by ${dir === 'from' ? 'source' : 'destination'})`)
    else for (const p of r.peers) out.push(`    ${dir === 'from' ? 'From' : 'To'}:`, `      ${peerText(p)}`)
    out.push('    ----------')
  })
  return out
}

/** kubectl describe networkpolicy, plus the pods the policy selects now. */
export function describePolicy(state: State, rec: NetworkPolicyRecord): string {
  const pol = toPolicy(rec.namespace, rec.name, rec.spec)
  const pods = selectedBy(state, pol)
  const lines = [
    `Name:         ${rec.name}`,
    `Namespace:    ${rec.namespace}`,
    `Created on:   ${rec.createdAt}`,
    `Labels:       ${Object.entries(rec.labels).map(([k, v]) => `${k}=${v}`).join(',') || '<none>'}`,
    `Annotations:  ${Object.entries(rec.annotations).map(([k, v]) => `${k}=${v}`).join(',') || '<none>'}`,
    'Spec:',
    `  PodSelector:     ${selectorText(pol.podSelector)}${Object.keys(pol.podSelector).length === 0 || selectorText(pol.podSelector) === '<none>' ? ' (Allowing the specific traffic to all pods in this namespace)' : ''}`,
  ]
  if (pol.types.includes('Ingress')) lines.push('  Allowing ingress traffic:', ...(pol.ingress.length ? rulesText(pol.ingress, 'from') : ['    <none> (Selected pods are isolated for ingress connectivity)']))
  else lines.push('  Not affecting ingress traffic')
  if (pol.types.includes('Egress')) lines.push('  Allowing egress traffic:', ...(pol.egress.length ? rulesText(pol.egress, 'to') : ['    <none> (Selected pods are isolated for egress connectivity)']))
  else lines.push('  Not affecting egress traffic')
  lines.push(`  Policy Types: ${pol.types.join(', ')}`)
  lines.push(`Selected pods: ${pods.length ? pods.map((p) => `${p.name} (${p.ip}, ${p.node})`).join(', ') : `<none> (no pod of ${rec.namespace} on the pod network matches; ${policyPods(state).length} pods in the cluster)`}`)
  return lines.join('\n')
}

/** netpol explain as a table: one row per direction, then the verdict. */
export function renderExplanation(e: Explanation): string {
  const rows = [e.egress, e.ingress].map((d) => [d.direction, d.pod ?? '-', d.isolatedBy.length ? d.isolatedBy.join(', ') : '<none>', d.allowedBy ?? '-', d.allowed ? 'allow' : 'DROP', d.reason])
  return [`${e.from} -> ${e.to} (${e.protocol}/${e.port})`, table(['direction', 'pod', 'isolated by', 'allowed by', 'verdict', 'why'], rows), '', e.allowed ? 'ALLOWED' : 'DROPPED'].join('\n')
}
