import {step} from '../../host/plan.js'
import {netpolDrift, parseNetpolTable} from '../../netpol/observe.js'
import {NETPOL_TABLE, netpolFullScript, netpolNodeModel} from '../../netpol/plan.js'
import {peerSelectsPod, policies, policyPods, selectedBy} from '../../netpol/select.js'
import type {Check, Finding} from '../model.js'

/** The inet mk8s-netpol table of each node against the one the state wants; --fix rewrites it whole. */
export const netpolTableChecks: Check = ({state, extras}) => {
  const out: Finding[] = []
  if (Object.keys(state.networkPolicies).length === 0) return out
  for (const [node, x] of extras) {
    const rec = state.nodes[node]
    if (!rec || x.netpol === undefined) continue
    const want = netpolNodeModel(state, rec)
    const plan = [step(['nft', '-f', '-'], {stdin: netpolFullScript(want)})]
    const have = parseNetpolTable(x.netpol)
    if (!have) {
      out.push({id: 'netpol-table-missing', severity: 'error', node, object: `inet ${NETPOL_TABLE}`, evidence: `the table is not there, yet ${Object.keys(state.networkPolicies).length} NetworkPolicies exist: nothing is enforced on ${node}`, fix: 'mk8s doctor --fix (writes the table from the state)', safe: true, plan})
      continue
    }
    const drift = netpolDrift(want, have)
    if (drift.length) out.push({id: 'netpol-table-drift', severity: 'warning', node, object: `inet ${NETPOL_TABLE}`, evidence: `${drift.length} difference(s) from the state: ${drift.slice(0, 4).join('; ')}${drift.length > 4 ? '; ...' : ''}`, fix: 'mk8s doctor --fix (rewrites the table from the state)', safe: true, plan})
  }
  return out
}

/** A policy whose podSelector, or one of whose peers, selects no pod: likely a typo in a label. */
export const netpolSelectorChecks: Check = ({state}) => {
  const out: Finding[] = []
  const pods = policyPods(state)
  for (const pol of policies(state)) {
    const object = `networkpolicy/${pol.namespace}/${pol.name}`
    if (selectedBy(state, pol).length === 0) out.push({id: 'netpol-selects-nothing', severity: 'warning', object, evidence: `spec.podSelector selects no pod of namespace ${pol.namespace}: the policy isolates nothing`, fix: `compare the selector with 'mk8s pod list -n ${pol.namespace} -o wide' labels, or delete the policy`, safe: false})
    for (const dir of ['ingress', 'egress'] as const)
      pol[dir].forEach((rule, r) =>
        (rule.peers ?? []).forEach((peer, j) => {
          if (peer.kind !== 'pods' || pods.some((p) => peerSelectsPod(state, pol.namespace, peer, p))) return
          out.push({id: 'netpol-peer-selects-nothing', severity: 'warning', object, evidence: `spec.${dir}[${r}].${dir === 'ingress' ? 'from' : 'to'}[${j}] selects no pod: it allows nothing`, fix: 'check its podSelector and namespaceSelector against the labels of the pods and namespaces', safe: false})
        }),
      )
  }
  return out
}
