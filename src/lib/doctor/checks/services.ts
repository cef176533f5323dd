import {step} from '../../host/plan.js'
import {endpointsOf} from '../../svc/endpoints.js'
import {hasRules, sortedServices} from '../../svc/model.js'
import {mergeFragments} from '../../svc/fragment.js'
import {TABLE} from '../../svc/nft.plan.js'
import {fullServicesPlan, serviceFragment} from '../../svc/sync.js'
import {parseNft} from '../../trace/nft.js'
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

/** nftables mode: the chains and sets a service owns and the map elements that lead to them. */
const NFT_OWN = /^(service|local|endpoint|external|firewall|affinity)-[A-Z0-9]{8}-/
const listed = (xs: string[]) => `${xs.slice(0, 4).join(', ')}${xs.length > 4 ? ', ...' : ''}`

/**
 * nftables mode: the per-service chains, affinity sets and verdict-map elements of each node's
 * `ip mk8s` table against those the state wants, both ways; a full rewrite of the table repairs both.
 */
export const serviceTableChecks: Check = ({state, facts}) => {
  if (state.cluster?.proxyMode !== 'nftables') return []
  const out: Finding[] = []
  const keys = sortedServices(state).map((s) => `${s.namespace}/${s.name}`)
  for (const f of facts.values()) {
    const node = state.nodes[f.node]
    if (!node || node.reason === 'Joining') continue
    const object = `ip ${TABLE}`
    if (f.nft === undefined) {
      out.push({id: 'service-table-missing', severity: 'error', node: f.node, object, evidence: `nft has no table ${object}: no ClusterIP, NodePort or LoadBalancer rule of the ${keys.length} service(s) applies on ${f.node}`, fix: 'mk8s svc sync --full (writes the table from the state)', safe: true, plan: fullServicesPlan(state, node)})
      continue
    }
    const want = mergeFragments(keys.map((k) => serviceFragment(state, k, node.name, 'nftables')))
    const wantObjects = new Set([...want.objects.keys()].map((k) => k.slice(k.indexOf(' ') + 1)))
    const t = parseNft(f.nft)
    const haveObjects = new Set([...t.chains.keys(), ...t.sets].filter((n) => NFT_OWN.test(n)))
    const haveEntries = new Set([...t.maps].flatMap(([map, els]) => [...els].map(([k, v]) => `${map} ${k} : ${v}`)))
    const stale = [...[...haveObjects].sort().filter((n) => !wantObjects.has(n)), ...[...haveEntries].filter((e) => !want.entries.has(e))]
    // a chain that is there with fewer or more rules than the state gives it (flushed by hand, say)
    const changed = [...want.objects].filter(([k]) => k.startsWith('chain ')).flatMap(([k, body]) => {
      const have = t.chains.get(k.slice('chain '.length))
      const rules = body.split('\n').length
      return have && have.length !== rules ? [`${k.slice('chain '.length)} (${have.length} of ${rules} rules)`] : []
    })
    const missing = [...[...wantObjects].sort().filter((n) => !haveObjects.has(n)), ...changed.sort(), ...[...want.entries].filter((e) => !haveEntries.has(e))]
    if (!stale.length && !missing.length) continue
    const plan = fullServicesPlan(state, node)
    if (stale.length) out.push({id: 'stale-service-rules', severity: 'warning', node: f.node, object, evidence: `${stale.length} chain(s), set(s) or map element(s) no service wants: ${listed(stale)}`, fix: 'mk8s svc sync --full (rewrites the table from the state)', safe: true, plan})
    if (missing.length) out.push({id: 'service-rules-missing', severity: 'error', node: f.node, object, evidence: `${missing.length} chain(s), set(s) or map element(s) the services need are missing: ${listed(missing)}`, fix: 'mk8s svc sync --full (rewrites the table from the state)', safe: true, plan})
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
