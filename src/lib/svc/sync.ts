import type {Plan} from '../host/plan.js'
import {step} from '../host/plan.js'
import type {NodeChange} from '../pipeline/types.js'
import {selects} from '../pod/spec.js'
import {servicesOfChangedEndpoints} from '../endpoints/model.js'
import type {NodeRecord, PodRecord, State} from '../state/schema.js'
import {writeFilesStep} from '../host/files.js'
import {diffFragments, diffSize, emptyDiff, emptyFragment, type Fragment} from './fragment.js'
import {iptablesApplyPlan, iptablesFirewallEnsure, iptablesFragment, iptablesFullRestore, iptablesIncrementalRestore, iptablesRemovePlan, RESTORE} from './iptables.plan.js'
import {announcedOn, lbAnnouncePlan, lbRemovePlan} from './lb.js'
import {proxyPorts, sortedServices, type ProxyConfig} from './model.js'
import {nftApplyPlan, nftFragment, nftFullScript, nftIncrementalScript, nftRemovePlan} from './nft.plan.js'
import {jsonEqual} from '../util/equal.js'

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

/**
 * Each service's rules on a node are also kept on its disk, one file per service (what restoring
 * that service alone into empty chains takes), so that the boot script restores them all without
 * holding them: a change writes the files of the services it changed, as it writes their rules.
 */
export const SERVICES_DIR = '/var/lib/mk8s/services'

/** A service's file: namespace.name (both DNS labels, so no two services share one). */
export const serviceFileName = (key: string): string => key.replace('/', '.')

/** A service's rules alone, as its file holds them: a restore (iptables) or nft input of their own. */
export function serviceFileText(f: Fragment, mode: Mode): string {
  const d = diffFragments(emptyFragment(), f)
  return mode === 'iptables' ? iptablesIncrementalRestore(d) : nftIncrementalScript(d)
}

/**
 * At boot: every service's file, merged into one restore (each table's chains declared before any
 * rule jumps to them) or fed to nft in one go, after the base chains. Nothing when there is none.
 */
const RESTORE_SAVED_IPTABLES = `set -- "$1"/*
[ -e "$1" ] || exit 0
awk '/^[*]/ { t = substr($0, 2); next }
  $0 == "COMMIT" { next }
  /^:/ { if (!((t, $0) in seen)) { seen[t, $0] = 1; d[t, ++nd[t]] = $0 }; next }
  { r[t, ++nr[t]] = $0 }
  END { split("filter nat", ts, " "); for (i = 1; i <= 2; i++) { t = ts[i]; if (!nd[t] && !nr[t]) continue
    print "*" t; for (j = 1; j <= nd[t]; j++) print d[t, j]; for (j = 1; j <= nr[t]; j++) print r[t, j]; print "COMMIT" } }' "$@" | ${RESTORE.join(' ')}`
const RESTORE_SAVED_NFT = `set -- "$1"/*
[ -e "$1" ] || exit 0
cat "$@" | nft -f -`

/** Every service of the state (by key, sorted) with its rules on a node. */
function allFragments(state: State, node: NodeRecord): Array<[string, Fragment]> {
  return sortedServices(state).map((s) => `${s.namespace}/${s.name}`).map((k) => [k, serviceFragment(state, k, node.name, state.cluster!.proxyMode)])
}

/** Every service's file on a node, from its rules there (a service with none has no file). */
function servicesFiles(frags: ReadonlyArray<[string, Fragment]>, mode: Mode): Record<string, string> {
  const files: Record<string, string> = {}
  for (const [k, f] of frags) if (f.objects.size || f.entries.size) files[serviceFileName(k)] = serviceFileText(f, mode)
  return files
}

/** What a node's services' files should be, from the state (doctor compares them with the node's). */
export const expectedServicesFiles = (state: State, node: NodeRecord): Record<string, string> => servicesFiles(allFragments(state, node), state.cluster!.proxyMode)

/** The services' files afresh. */
export const servicesFilesPlan = (files: Readonly<Record<string, string>>): Plan => [step(['rm', '-rf', SERVICES_DIR]), writeFilesStep(SERVICES_DIR, files, Object.keys(files))]

/** The whole ruleset of a node from the state, as one plan (iptables: stale chains are dropped in the same script), and every service's file afresh. */
export function fullServicesPlan(state: State, node: NodeRecord): Plan {
  const mode = state.cluster!.proxyMode
  const all = allFragments(state, node)
  const frags = all.map(([, f]) => f)
  const saved = servicesFilesPlan(servicesFiles(all, mode))
  const lb = lbAnnouncePlan(announcedOn(state, node.name), [], true)
  if (mode === 'nftables') return [...nftApplyPlan(nftFullScript(frags)), ...saved, ...lb]
  const keep = [...frags.flatMap((f) => [...f.objects.keys()])].sort().join('\n')
  return [...iptablesApplyPlan(iptablesFullRestore(frags), true), step(['sh', '-c', DROP_STALE], {stdin: keep}), ...saved, ...lb]
}

/** The services' part of the boot script: the base chains and jumps, every service's file, the LoadBalancer addresses. */
export function servicesBootPlan(state: State, node: NodeRecord): Plan {
  if (!state.cluster) return []
  const lb = lbAnnouncePlan(announcedOn(state, node.name), [], true)
  if (state.cluster.proxyMode === 'nftables') return [...nftApplyPlan(nftFullScript([])), step(['sh', '-c', RESTORE_SAVED_NFT, 'sh', SERVICES_DIR]), ...lb]
  return [...iptablesApplyPlan(iptablesFullRestore([]), true), step(['sh', '-c', RESTORE_SAVED_IPTABLES, 'sh', SERVICES_DIR]), ...lb]
}

const same = jsonEqual

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
  const files: Record<string, string> = {}
  const gone: string[] = []
  for (const key of keys) {
    if (inputsOf(before, key, node.name) === inputsOf(after, key, node.name)) continue
    const size = diffSize(diff)
    const next = serviceFragment(after, key, node.name, mode)
    diffFragments(serviceFragment(before, key, node.name, mode), next, diff)
    if (diffSize(diff) === size) continue
    if (next.objects.size || next.entries.size) files[serviceFileName(key)] = serviceFileText(next, mode)
    else gone.push(serviceFileName(key))
  }
  // (a service the change did not touch announces the same in both states)
  const wasLb = announcedOn(before, node.name, keys)
  const nowLb = announcedOn(after, node.name, keys)
  const lb = lbAnnouncePlan(nowLb.filter((ip) => !wasLb.includes(ip)), wasLb.filter((ip) => !nowLb.includes(ip)), false)
  if (diffSize(diff) === 0) return lb
  const firewall = mode === 'iptables' && diff.addEntries.some((e) => e.startsWith('filter KUBE-PROXY-FIREWALL ')) ? iptablesFirewallEnsure() : []
  const rules = mode === 'iptables' ? [...firewall, ...iptablesApplyPlan(iptablesIncrementalRestore(diff), false)] : nftApplyPlan(nftIncrementalScript(diff))
  return [...rules, writeFilesStep(SERVICES_DIR, files, Object.keys(files).sort(), gone.sort()), ...lb]
}

/** Everything mk8s's service proxy made on a node, gone (node leave), and the services' files. */
export const proxyRemovePlan = (mode: Mode): Plan => [...(mode === 'iptables' ? iptablesRemovePlan() : nftRemovePlan()), ...lbRemovePlan(), step(['rm', '-rf', SERVICES_DIR])]

/**
 * The services area's part of a node's script: kube-proxy's sync for one node. Whole when the node
 * holds nothing trusted (or changes mode), else only the services whose rules there changed.
 */
export function servicesPlanner({before, after, node, leaving, touched}: NodeChange): Plan {
  if (leaving) return before?.cluster ? proxyRemovePlan(before.cluster.proxyMode) : []
  if (!after.cluster) return []
  if (!before?.cluster || before.cluster.proxyMode !== after.cluster.proxyMode) {
    const switched = before?.cluster && before.cluster.proxyMode !== after.cluster.proxyMode ? proxyRemovePlan(before.cluster.proxyMode) : []
    return [...switched, ...fullServicesPlan(after, node)]
  }
  return incrementalServicesPlan(before, after, node, touched ?? touchedServices(before, after))
}
