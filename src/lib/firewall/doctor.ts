/** Doctor's view of other firewalls: the same reads and assessment as preflight's, as findings. */
import type {Finding} from '../doctor/model.js'
import type {State} from '../state/schema.js'
import {TABLE} from '../svc/nft.plan.js'
import {assessFirewalls, iptablesFlavour, parseFirewalls} from './detect.js'

export function firewallFindings(state: State, raw: ReadonlyMap<string, ReadonlyMap<string, {output: string; code: number}>>): Finding[] {
  const cluster = state.cluster
  if (!cluster) return []
  const out: Finding[] = []
  for (const [node, r] of raw) {
    const ipt = r.get('iptables-version')?.output ?? ''
    const f = parseFirewalls(r, {ownTables: [TABLE], podCIDR: cluster.podCIDR})
    for (const v of assessFirewalls(f, {iptables: iptablesFlavour(/\((\w+)\)/.exec(ipt)?.[1] ?? 'nf_tables'), podCIDR: cluster.podCIDR})) {
      out.push({id: `firewall-${v.what}`, severity: v.verdict === 'refused' ? 'error' : 'info', node, object: v.what, evidence: v.effect, fix: v.fix, safe: false})
    }
  }
  return out
}
