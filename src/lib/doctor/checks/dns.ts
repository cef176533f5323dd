import {dnsStartPlan, dnsUpdatePlan} from '../../dns/plan.js'
import {renderDnsRecords} from '../../dns/records.js'
import type {Check, Finding} from '../model.js'

const lines = (text: string) => new Set(text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')))
const some = (l: string[]) => l.slice(0, 3).join('; ') + (l.length > 3 ? '; ...' : '')

/** "3 missing (a b c), 1 no object wants (d)": what a set of records lacks and holds beyond the state. */
function difference(want: Set<string>, have: Set<string>): string | undefined {
  const missing = [...want].filter((l) => !have.has(l))
  const extra = [...have].filter((l) => !want.has(l))
  if (!missing.length && !extra.length) return undefined
  return [missing.length ? `${missing.length} missing (${some(missing)})` : '', extra.length ? `${extra.length} that no object wants (${some(extra)})` : ''].filter(Boolean).join(', ')
}

/** Each node's cluster DNS against the state: dnsmasq running, each Service's hosts file and the records read at start those the state gives. */
export const dnsChecks: Check = ({state, extras}) => {
  const cluster = state.cluster
  if (!cluster) return []
  const out: Finding[] = []
  const want = renderDnsRecords(state, cluster)
  for (const [node, x] of extras) {
    if (!x.dns || !state.nodes[node]) continue
    if (!x.dns.running || x.dns.hosts === undefined) {
      out.push({id: 'dns-not-running', severity: 'error', node, object: 'dnsmasq', evidence: x.dns.hosts === undefined ? 'its record files are gone' : 'dnsmasq does not run', fix: "start the node's cluster DNS again with the state's records", safe: true, plan: dnsStartPlan(cluster, want)})
      continue
    }
    const have = {hosts: x.dns.hosts, conf: x.dns.conf ?? ''}
    const names = [...new Set([...Object.keys(want.hosts), ...Object.keys(have.hosts)])]
    const stale = names.filter((n) => want.hosts[n] !== have.hosts[n])
    const hosts = difference(new Set(stale.flatMap((n) => [...lines(want.hosts[n] ?? '')])), new Set(stale.flatMap((n) => [...lines(have.hosts[n] ?? '')])))
    const conf = x.dns.conf === undefined ? 'the file is gone' : difference(lines(want.conf), lines(have.conf))
    if (stale.length || conf) {
      // a file whose lines are all right but in another file or order: rewritten too, so the plan is the whole difference
      const evidence = [stale.length ? `A/PTR records of ${some(stale)}: ${hosts ?? 'in the wrong file'}` : '', conf ? `SRV and pod records: ${conf}` : ''].filter(Boolean).join('; ')
      out.push({id: 'dns-records-stale', severity: 'error', node, object: 'dnsmasq records', evidence, fix: "write the state's records (dnsmasq is restarted when SRV or pod records changed)", safe: true, plan: dnsUpdatePlan(cluster, have, want)})
    }
  }
  return out
}
