import type {Plan} from '../host/plan.js'
import {step} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import {selects} from '../pod/spec.js'
import {servicesOfChangedEndpoints} from '../endpoints/model.js'
import type {NodeRecord, PodRecord, State} from '../state/schema.js'
import {diffFragments, diffSize, emptyDiff, emptyFragment, type Fragment} from './fragment.js'
import {iptablesApplyPlan, iptablesFirewallEnsure, iptablesFragment, iptablesFullRestore, iptablesIncrementalRestore, iptablesRemovePlan, RESTORE} from './iptables.plan.js'
import {announcedOn, lbAnnouncePlan, lbRemovePlan} from './lb.js'
import {proxyPorts, sortedServices, type ProxyConfig} from './model.js'
import {nftApplyPlan, nftFragment, nftFullScript, nftIncrementalScript, nftRemovePlan} from './nft.plan.js'

type Mode = 'iptables' | 'nftables'

/** The rules of one service on one node, in a mode (empty when the service is absent or headless). */
export function serviceFragment(state: State, key: string, node: string, mode: Mode): Fragment {
  const svc = state.services[key]
  if (!svc || !state.cluster) return emptyFragment()
  const cfg: ProxyConfig = {podCIDR: state.cluster.podCIDR}
  const ports = proxyPorts(state, svc, node)
  return mode === 'iptables' ? iptablesFragment(ports, cfg) : nftFragment(ports, cfg)
}

/** Everything a service's rules on a node depend on, as text: equal inputs give equal rules. */
function inputsOf(state: State, key: string, node: string): string {
  const svc = state.services[key]
  return svc ? JSON.stringify([svc.type, svc.clusterIP, svc.ports, svc.sessionAffinity, svc.externalTrafficPolicy, svc.loadBalancerIP, proxyPorts(state, svc, node).map((p) => p.endpoints), state.cluster?.podCIDR, svc.internalTrafficPolicy, svc.sessionAffinityTimeout, svc.externalIPs, svc.loadBalancerSourceRanges, state.nodes[node]?.address]) : ''
}

/**
 * After a full iptables restore: the KUBE-SVC/SEP/EXT/SVL/FW chains the node has and no service
 * wants (given on stdin, "table chain" per line) are flushed, then deleted, in one restore per table
 * (a stale SVC chain may still jump to a stale SEP chain). Nothing but KUBE-* chains is touched.
 */
const DROP_STALE = `k=$(mktemp) && cat >"$k" || exit 1
for t in filter nat; do
  iptables-save -t "$t" | awk -v t="$t" -v k="$k" 'FILENAME == k { keep[$0] = 1; next }
    /^:KUBE-(SVC|SEP|EXT|SVL|FW)-/ { c = substr($1, 2); if (!((t " " c) in keep)) gone[++n] = c }
    END { if (!n) exit; print "*" t; for (i = 1; i <= n; i++) print ":" gone[i] " - [0:0]"; for (i = 1; i <= n; i++) print "-X " gone[i]; print "COMMIT" }' "$k" - >"$k.r" &&
  if [ -s "$k.r" ]; then ${RESTORE.join(' ')} <"$k.r" || { rm -f "$k" "$k.r"; exit 1; }; fi
done
rm -f "$k" "$k.r"`

/** The whole ruleset of a node from the state, as one plan (iptables: stale chains are dropped in the same script). */
export function fullServicesPlan(state: State, node: NodeRecord): Plan {
  const mode = state.cluster!.proxyMode
  const frags = sortedServices(state).map((s) => serviceFragment(state, `${s.namespace}/${s.name}`, node.name, mode))
  const lb = lbAnnouncePlan(announcedOn(state, node.name), [], true)
  if (mode === 'nftables') return [...nftApplyPlan(nftFullScript(frags)), ...lb]
  const keep = [...frags.flatMap((f) => [...f.objects.keys()])].sort().join('\n')
  return [...iptablesApplyPlan(iptablesFullRestore(frags), true), step(['sh', '-c', DROP_STALE], {stdin: keep}), ...lb]
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b)

/**
 * The services whose rules may differ between two states, found without deriving any service's
 * rules: those added, removed or changed, those selecting a pod that was added, removed or
 * changed, and those whose Endpoints or EndpointSlices changed (every one when the cluster's
 * settings changed). What a change costs then grows with what it changes, not with the number of
 * services.
 */
export function touchedServices(before: State, after: State): string[] {
  const keys = [...new Set([...Object.keys(before.services), ...Object.keys(after.services)])]
  if (!same(before.cluster, after.cluster)) return keys
  const pods: PodRecord[] = []
  for (const k of new Set([...Object.keys(before.pods), ...Object.keys(after.pods)])) {
    const b = before.pods[k]
    const a = after.pods[k]
    if (b && a && same(b, a)) continue
    if (b) pods.push(b)
    if (a) pods.push(a)
  }
  const listed = servicesOfChangedEndpoints(before, after)
  return keys.filter((k) => {
    const b = before.services[k]
    const a = after.services[k]
    if (!b || !a || !same(b, a) || listed.has(k)) return true
    return pods.some((p) => p.namespace === a.namespace && selects(a.selector, p.labels))
  })
}

/** What changed on one node's service rules between two states, as one plan (empty: nothing). */
export function incrementalServicesPlan(before: State, after: State, node: NodeRecord, keys: readonly string[] = touchedServices(before, after)): Plan {
  const mode = after.cluster!.proxyMode
  const diff = emptyDiff()
  for (const key of keys) {
    if (inputsOf(before, key, node.name) === inputsOf(after, key, node.name)) continue
    diffFragments(serviceFragment(before, key, node.name, mode), serviceFragment(after, key, node.name, mode), diff)
  }
  const wasLb = announcedOn(before, node.name)
  const nowLb = announcedOn(after, node.name)
  const lb = lbAnnouncePlan(nowLb.filter((ip) => !wasLb.includes(ip)), wasLb.filter((ip) => !nowLb.includes(ip)), false)
  if (diffSize(diff) === 0) return lb
  const firewall = mode === 'iptables' && diff.addEntries.some((e) => e.startsWith('filter KUBE-PROXY-FIREWALL ')) ? iptablesFirewallEnsure() : []
  const rules = mode === 'iptables' ? [...firewall, ...iptablesApplyPlan(iptablesIncrementalRestore(diff), false)] : nftApplyPlan(nftIncrementalScript(diff))
  return [...rules, ...lb]
}

/** Everything mk8s's service proxy made on a node, gone (node leave). */
export const proxyRemovePlan = (mode: Mode): Plan => [...(mode === 'iptables' ? iptablesRemovePlan() : nftRemovePlan()), ...lbRemovePlan()]

/**
 * The services area's part of a node's script: kube-proxy's sync for one node. Whole when the node
 * holds nothing trusted (or changes mode), else only the services whose rules there changed.
 */
export function servicesPlanner({before, after, node, leaving}: NodeChange): Plan {
  if (leaving) return before?.cluster ? proxyRemovePlan(before.cluster.proxyMode) : []
  if (!after.cluster) return []
  if (!before?.cluster || before.cluster.proxyMode !== after.cluster.proxyMode) {
    const switched = before?.cluster && before.cluster.proxyMode !== after.cluster.proxyMode ? proxyRemovePlan(before.cluster.proxyMode) : []
    return [...switched, ...fullServicesPlan(after, node)]
  }
  return incrementalServicesPlan(before, after, node)
}
