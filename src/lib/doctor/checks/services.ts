import {step} from '../../host/plan.js'
import {endpointsOf} from '../../svc/endpoints.js'
import {hasRules, sortedServices} from '../../svc/model.js'
import {fullServicesPlan, serviceFragment} from '../../svc/sync.js'
import type {Check, Finding} from '../model.js'

const OWN = /^KUBE-(SVC|SEP|EXT|SVL|FW)-/

/** iptables mode: the per-service chains a node holds against those the state wants; a full re-sync repairs both ways. */
export const serviceChainChecks: Check = ({state, facts}) => {
  if (state.cluster?.proxyMode !== 'iptables') return []
  const out: Finding[] = []
  const keys = sortedServices(state).map((s) => `${s.namespace}/${s.name}`)
  for (const f of facts.values()) {
    const node = state.nodes[f.node]
    if (!node || !f.iptables) continue
    const want = new Set(keys.flatMap((k) => [...serviceFragment(state, k, node.name, 'iptables').objects.keys()]))
    const have = Object.keys(f.iptables.nat ?? {}).filter((c) => OWN.test(c)).map((c) => `nat ${c}`)
    const stale = have.filter((c) => !want.has(c))
    const missing = [...want].filter((c) => !have.includes(c))
    if (!stale.length && !missing.length) continue
    const plan = fullServicesPlan(state, node)
    if (stale.length) out.push({id: 'stale-service-chains', severity: 'warning', node: f.node, object: 'nat KUBE-*', evidence: `${stale.length} chain(s) no service wants: ${stale.slice(0, 4).map((c) => c.slice(4)).join(', ')}${stale.length > 4 ? ', ...' : ''}`, fix: 'mk8s svc sync --full (rewrites the KUBE-* chains from the state)', safe: true, plan})
    if (missing.length) out.push({id: 'service-chains-missing', severity: 'error', node: f.node, object: 'nat KUBE-*', evidence: `${missing.length} chain(s) the services need are missing: ${missing.slice(0, 4).map((c) => c.slice(4)).join(', ')}`, fix: 'mk8s svc sync --full', safe: true, plan})
  }
  return out
}

/**
 * UDP conntrack entries for a service that point to no current endpoint (or were never DNATed,
 * as when a client asked before the service had endpoints): they keep sending a flow to the old
 * place until they expire. kube-proxy deletes them; so does --fix.
 */
export const conntrackChecks: Check = ({state, extras}) => {
  const out: Finding[] = []
  const udp = sortedServices(state).filter(hasRules).filter((s) => s.ports.some((p) => p.protocol === 'UDP'))
  for (const [node, x] of extras) {
    for (const svc of udp) {
      const eps = new Set(endpointsOf(state, svc).flatMap((e) => e.endpoints.map((p) => p.ip)))
      const stale = x.conntrack.filter((line) => {
        const dst = /dst=(\S+)/.exec(line)?.[1]
        const reply = [...line.matchAll(/src=(\S+)/g)][1]?.[1]
        return dst === svc.clusterIP && reply !== undefined && !eps.has(reply)
      })
      if (stale.length) out.push({id: 'stale-udp-conntrack', severity: 'warning', node, object: `svc/${svc.name}`, evidence: `${stale.length} UDP conntrack entr${stale.length === 1 ? 'y' : 'ies'} to ${svc.clusterIP} answered by no current endpoint: ${stale[0].replace(/\s+/g, ' ').slice(0, 120)}`, fix: `conntrack -D -p udp --orig-dst ${svc.clusterIP}`, safe: true, plan: [step(['conntrack', '-D', '-p', 'udp', '--orig-dst', svc.clusterIP], {tolerate: true})]})
    }
  }
  return out
}
