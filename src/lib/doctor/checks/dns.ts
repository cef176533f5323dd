import {dnsStartPlan, dnsUpdatePlan} from '../../dns/plan.js'
import {renderDnsRecords} from '../../dns/records.js'
import type {Check, Finding} from '../model.js'

const lines = (text: string) => new Set(text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')))

/** "3 missing (a b c), 1 no object wants (d)": what a record file lacks and holds beyond the state. */
function difference(want: string, have: string): string | undefined {
  const w = lines(want)
  const h = lines(have)
  const missing = [...w].filter((l) => !h.has(l))
  const extra = [...h].filter((l) => !w.has(l))
  if (!missing.length && !extra.length) return undefined
  const some = (l: string[]) => l.slice(0, 3).join('; ') + (l.length > 3 ? '; ...' : '')
  return [missing.length ? `${missing.length} missing (${some(missing)})` : '', extra.length ? `${extra.length} that no object wants (${some(extra)})` : ''].filter(Boolean).join(', ')
}

/** Each node's cluster DNS against the state: dnsmasq running, its A/PTR and SRV records those the state gives. */
export const dnsChecks: Check = ({state, extras}) => {
  const cluster = state.cluster
  if (!cluster) return []
  const out: Finding[] = []
  const want = renderDnsRecords(state, cluster.clusterDomain)
  for (const [node, x] of extras) {
    if (!x.dns || !state.nodes[node]) continue
    if (!x.dns.running || x.dns.hosts === undefined) {
      out.push({id: 'dns-not-running', severity: 'error', node, object: 'dnsmasq', evidence: x.dns.hosts === undefined ? 'its record files are gone' : 'dnsmasq does not run', fix: "start the node's cluster DNS again with the state's records", safe: true, plan: dnsStartPlan(cluster, want)})
      continue
    }
    const hosts = difference(want.hosts, x.dns.hosts)
    const srv = x.dns.srv === undefined ? 'the file is gone' : difference(want.srv, x.dns.srv)
    if (hosts || srv) {
      out.push({id: 'dns-records-stale', severity: 'error', node, object: 'dnsmasq records', evidence: [hosts ? `A/PTR records: ${hosts}` : '', srv ? `SRV records: ${srv}` : ''].filter(Boolean).join('; '), fix: "write the state's records and reload dnsmasq", safe: true, plan: dnsUpdatePlan(cluster, want, Boolean(srv))})
    }
  }
  return out
}
