import {createHash} from 'node:crypto'
import {step, type Plan} from '../host/plan.js'
import type {NodeRecord, PodRecord, State} from '../state/schema.js'
import {namedPort, peerSelectsPod, policies, policyPods, selectedBy} from './select.js'
import type {Peer, Policy, PolicyPort, Rule} from './spec.js'

/**
 * NetworkPolicy on one node: one nftables table of mk8s's own, `inet mk8s-netpol`.
 *
 * Two base chains on the forward hook judge a new connection: `egress-forward` (priority 0) the
 * source's egress, `ingress-forward` (priority 10) the destination's ingress; both run after
 * kube-proxy-style DNAT (nat prerouting, -100), so policy sees pod addresses behind a ClusterIP or
 * NodePort in either proxy mode, and br_netfilter hands bridged cni0 traffic to them as well.
 * An `accept` ends only its own base chain, so an egress allow still meets the ingress judgement.
 * The dispatch chains `ingress` and `egress` jump to each policy's chain; what none allows falls
 * to `ingress-drops` / `egress-drops`, one rule per policy with its named drop counter.
 * `egress-input` judges a pod's connections to its own node. The output hook is not hooked:
 * traffic from the node itself (kubelet-style probes) is never judged.
 *
 * Only pods of this node are judged here (sets `ingress-isolated`, `egress-isolated`, and each
 * policy's `<id>-pods`); peers are sets of pod addresses of the whole cluster (`peers-<hash>`,
 * shared by the rules of a namespace that name the same peers), so a pod joining a selector is
 * one set element. Replies pass (ct state established,related), and a
 * pod reaching itself (through its own service) is not judged (set `self`).
 */
export const NETPOL_TABLE = 'mk8s-netpol'
const T = `inet ${NETPOL_TABLE}`

/** A policy's name part on the hosts: ns/name hashed (names may be 253 characters). */
const ids = new Map<string, string>()
export function policyId(namespace: string, name: string): string {
  const key = `${namespace}/${name}`
  let id = ids.get(key)
  if (!id) ids.set(key, (id = `np-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`))
  return id
}
/**
 * The set of pod addresses that some pod peers of a rule name. Rules of one namespace naming the
 * same peers share it, so that a pod joining a selector many policies use is still one element.
 */
export function peerSetName(namespace: string, peers: readonly Peer[]): string {
  const key = JSON.stringify([namespace, peers])
  let id = ids.get(key)
  if (!id) ids.set(key, (id = `peers-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`))
  return id
}

export const dropCounter = (namespace: string, name: string, dir: 'ingress' | 'egress'): string => `${policyId(namespace, name)}-${dir}-drops`

interface SetDef {
  type: string
  elements: Set<string>
}

/** What a node's table should hold: sets (with elements), named counters, and regular chains. */
export interface NodeModel {
  sets: Map<string, SetDef>
  counters: Set<string>
  /** policy chains and the two dispatch chains, by name: their rules */
  chains: Map<string, string[]>
}

const BASE_CHAINS: Array<[string, string, string[]]> = [
  ['egress-forward', 'type filter hook forward priority 0; policy accept;', ['ct state established,related accept', 'ip saddr . ip daddr @self accept', 'ip saddr @egress-isolated jump egress', 'ip saddr @egress-isolated jump egress-drops']],
  ['ingress-forward', 'type filter hook forward priority 10; policy accept;', ['ct state established,related accept', 'ip saddr . ip daddr @self accept', 'ip daddr @ingress-isolated jump ingress', 'ip daddr @ingress-isolated jump ingress-drops']],
  ['egress-input', 'type filter hook input priority 0; policy accept;', ['ct state established,related accept', 'ip saddr @egress-isolated jump egress', 'ip saddr @egress-isolated jump egress-drops']],
]

const proto = (p: PolicyPort) => p.protocol.toLowerCase()

/** The rules of one direction of one policy: every peer x every port, each ending in accept. */
function ruleLines(state: State, pol: Policy, id: string, dir: 'ingress' | 'egress', rules: Rule[], all: PodRecord[], mine: PodRecord[], model: NodeModel): string[] {
  const target = dir === 'ingress' ? 'ip daddr' : 'ip saddr'
  const peerAddr = dir === 'ingress' ? 'ip saddr' : 'ip daddr'
  const lines: string[] = []
  rules.forEach((rule, r) => {
    const tag = `${id}-${dir === 'ingress' ? 'in' : 'eg'}${r}`
    const peerConds: string[] = []
    if (!rule.peers) peerConds.push('')
    else {
      const podPeers = rule.peers.filter((p): p is Extract<Peer, {kind: 'pods'}> => p.kind === 'pods')
      if (podPeers.length) {
        const set = peerSetName(pol.namespace, podPeers)
        if (!model.sets.has(set)) {
          const ips = all.filter((pod) => podPeers.some((p) => peerSelectsPod(state, pol.namespace, p, pod))).map((p) => p.ip!)
          model.sets.set(set, {type: 'ipv4_addr', elements: new Set(ips)})
        }
        peerConds.push(`${peerAddr} @${set}`)
      }
      for (const b of rule.peers) if (b.kind === 'ipBlock') peerConds.push(`${peerAddr} ${b.cidr}${b.except.length ? ` ${peerAddr} != { ${b.except.join(', ')} }` : ''}`)
    }
    const portConds: string[] = []
    if (!rule.ports) portConds.push('')
    else
      rule.ports.forEach((p, j) => {
        if (p.port === undefined) portConds.push(`meta l4proto ${proto(p)}`)
        else if (typeof p.port === 'number') portConds.push(`meta l4proto ${proto(p)} th dport ${p.port}${p.endPort !== undefined && p.endPort !== p.port ? `-${p.endPort}` : ''}`)
        else {
          // a named port means the destination pod's own container port: the selected pods for
          // ingress, every pod for egress (the peer condition narrows it)
          const set = `${tag}-p${j}`
          const owners = dir === 'ingress' ? mine : all
          const els = owners.flatMap((pod) => {
            const n = namedPort(pod, p.port as string, p.protocol)
            return n === undefined ? [] : [`${pod.ip} . ${n}`]
          })
          model.sets.set(set, {type: 'ipv4_addr . inet_service', elements: new Set(els)})
          portConds.push(`meta l4proto ${proto(p)} ip daddr . th dport @${set}`)
        }
      })
    for (const pc of peerConds) for (const qc of portConds) lines.push([`${target} @${id}-pods`, pc, qc, `accept comment "${pol.namespace}/${pol.name} ${dir}[${r}]"`].filter(Boolean).join(' '))
  })
  return lines
}

/** The table a node should have, from the state. */
export function netpolNodeModel(state: State, node: NodeRecord): NodeModel {
  const model: NodeModel = {sets: new Map(), counters: new Set(), chains: new Map()}
  const all = policyPods(state)
  const local = all.filter((p) => p.node === node.name)
  const isolated = {ingress: new Set<string>(), egress: new Set<string>()}
  const dispatch = {ingress: [] as string[], egress: [] as string[]}
  const drops = {ingress: [] as string[], egress: [] as string[]}
  for (const pol of policies(state)) {
    const id = policyId(pol.namespace, pol.name)
    const mine = selectedBy(state, pol, local)
    model.sets.set(`${id}-pods`, {type: 'ipv4_addr', elements: new Set(mine.map((p) => p.ip!))})
    for (const dir of ['ingress', 'egress'] as const) {
      if (!pol.types.includes(dir === 'ingress' ? 'Ingress' : 'Egress')) continue
      for (const p of mine) isolated[dir].add(p.ip!)
      const chain = `${id}-${dir}`
      const counter = dropCounter(pol.namespace, pol.name, dir)
      model.chains.set(chain, ruleLines(state, pol, id, dir, pol[dir], all, mine, model))
      model.counters.add(counter)
      dispatch[dir].push(`jump ${chain}`)
      drops[dir].push(`${dir === 'ingress' ? 'ip daddr' : 'ip saddr'} @${id}-pods counter name "${counter}" drop`)
    }
  }
  const self = local.filter((p) => isolated.ingress.has(p.ip!) || isolated.egress.has(p.ip!)).map((p) => `${p.ip} . ${p.ip}`)
  model.sets.set('self', {type: 'ipv4_addr . ipv4_addr', elements: new Set(self)})
  model.sets.set('ingress-isolated', {type: 'ipv4_addr', elements: isolated.ingress})
  model.sets.set('egress-isolated', {type: 'ipv4_addr', elements: isolated.egress})
  model.chains.set('ingress', dispatch.ingress)
  model.chains.set('egress', dispatch.egress)
  model.chains.set('ingress-drops', drops.ingress)
  model.chains.set('egress-drops', drops.egress)
  return model
}

const DISPATCH = new Set(['ingress', 'egress', 'ingress-drops', 'egress-drops'])
/** Policy chains before the dispatch chains that jump to them. */
const chainOrder = (names: Iterable<string>) => [...names].sort((a, b) => Number(DISPATCH.has(a)) - Number(DISPATCH.has(b)) || (a < b ? -1 : a > b ? 1 : 0))
const sorted = (xs: Iterable<string>) => [...xs].sort()

const addSet = (name: string, def: SetDef) => `add set ${T} ${name} { type ${def.type}; }`
const addElements = (name: string, els: Iterable<string>) => {
  const list = sorted(els)
  return list.length ? [`add element ${T} ${name} { ${list.join(', ')} }`] : []
}
const rules = (name: string, lines: string[]) => lines.map((l) => `add rule ${T} ${name} ${l}`)

/** The node's whole table, replaced in one transaction. */
export function netpolFullScript(m: NodeModel): string {
  const setNames = sorted(m.sets.keys())
  const chains = chainOrder(m.chains.keys())
  return [
    `add table ${T}`,
    `delete table ${T}`,
    `add table ${T}`,
    ...setNames.map((n) => addSet(n, m.sets.get(n)!)),
    ...setNames.flatMap((n) => addElements(n, m.sets.get(n)!.elements)),
    ...sorted(m.counters).map((c) => `add counter ${T} ${c}`),
    ...chains.map((c) => `add chain ${T} ${c}`),
    ...chains.flatMap((c) => rules(c, m.chains.get(c)!)),
    ...BASE_CHAINS.flatMap(([name, hook, lines]) => [`add chain ${T} ${name} { ${hook} }`, ...rules(name, lines)]),
  ].join('\n') + '\n'
}

const same = (a: string[] | undefined, b: string[] | undefined) => JSON.stringify(a) === JSON.stringify(b)

/** Only what changed between two models, as one transaction ('' when nothing did). */
export function netpolIncrementalScript(before: NodeModel, after: NodeModel): string {
  const out: string[] = []
  // a set's name says its type (peers: ipv4_addr; named ports: -pN, ipv4_addr . inet_service)
  const goneSets = sorted([...before.sets.keys()].filter((n) => !after.sets.has(n)))
  for (const n of sorted([...after.sets.keys()].filter((x) => !before.sets.has(x)))) out.push(addSet(n, after.sets.get(n)!))
  for (const c of sorted([...after.counters].filter((x) => !before.counters.has(x)))) out.push(`add counter ${T} ${c}`)
  const newChains = chainOrder([...after.chains.keys()].filter((c) => !before.chains.has(c)))
  for (const c of newChains) out.push(`add chain ${T} ${c}`)
  for (const n of sorted(after.sets.keys())) {
    const was = before.sets.get(n)
    const els = after.sets.get(n)!.elements
    if (was) {
      const drop = sorted([...was.elements].filter((e) => !els.has(e)))
      if (drop.length) out.push(`delete element ${T} ${n} { ${drop.join(', ')} }`)
    }
    out.push(...addElements(n, was ? [...els].filter((e) => !was.elements.has(e)) : els))
  }
  for (const c of chainOrder(after.chains.keys())) {
    const lines = after.chains.get(c)!
    const was = before.chains.get(c)
    const want = new Set(lines)
    if (!was) out.push(...rules(c, lines))
    else if (same(was, lines)) continue
    else if (DISPATCH.has(c) && was.every((l) => want.has(l))) {
      // a dispatch chain only gains policies: append them (their order decides nothing, any allow
      // accepts; the first isolating policy counts a drop), instead of rewriting a rule per policy
      const had = new Set(was)
      out.push(...rules(c, lines.filter((l) => !had.has(l))))
    } else out.push(`flush chain ${T} ${c}`, ...rules(c, lines))
  }
  const goneChains = chainOrder([...before.chains.keys()].filter((c) => !after.chains.has(c))).reverse()
  for (const c of goneChains) out.push(`flush chain ${T} ${c}`)
  for (const c of goneChains) out.push(`delete chain ${T} ${c}`)
  for (const c of sorted([...before.counters].filter((x) => !after.counters.has(x)))) out.push(`delete counter ${T} ${c}`)
  for (const n of goneSets) out.push(`delete set ${T} ${n}`)
  return out.length ? out.join('\n') + '\n' : ''
}

export const NFT_APPLY = ['nft', '-f', '-']

/**
 * One node's NetworkPolicy steps: the whole table when `before` is not given (join, repair) or
 * held no policy (the table may not exist yet), else only what changed (set elements for pods
 * joining or leaving selectors, chains of the policies that changed).
 */
export function netpolNodePlan(before: State | undefined, after: State, node: NodeRecord): Plan {
  const had = before !== undefined && before.nodes[node.name] !== undefined && Object.keys(before.networkPolicies).length > 0
  if (before?.nodes[node.name] && !had && Object.keys(after.networkPolicies).length === 0) return []
  const want = netpolNodeModel(after, node)
  const full = !had
  const script = full ? netpolFullScript(want) : netpolIncrementalScript(netpolNodeModel(before!, node), want)
  return script ? [step(NFT_APPLY, {stdin: script})] : []
}

/**
 * The table as the node holds it, kept on its disk after every change to it (nft's own listing,
 * which nft reads back), so that the boot script restores it without holding it: it grows with
 * the policies and pods, and the node already has it. Listing 1000 policies takes longer than the
 * change itself, so it is taken in the background, under a lock: each save lists the table as it
 * is when it runs, so the last to finish is the newest (a boot within that moment finds the one before).
 */
export const NETPOL_SAVED = '/var/lib/mk8s/netpol.nft'
const SAVE_NOW = `t="$1.$$.tmp"; if nft list table inet ${NETPOL_TABLE} >"$t" 2>/dev/null; then mv -f "$t" "$1"; else rm -f "$t"; fi`
const SAVE = `mkdir -p "\${1%/*}" && { setsid flock "$1.lock" sh -c '${SAVE_NOW}' sh "$1" </dev/null >/dev/null 2>&1 & }`
const REMOVE_SAVED = 'flock "$1.lock" rm -f "$1"; rm -f "$1.lock"'
const RESTORE_SAVED = `[ -e "$1" ] || exit 0
{ echo "add table inet ${NETPOL_TABLE}"; echo "delete table inet ${NETPOL_TABLE}"; cat "$1"; } | nft -f -`

/** What leave (and reset) does: the table goes, if it is there, and its saved copy (after a save still running). */
export const netpolRemovePlan = (): Plan => [
  step(['nft', 'delete', 'table', 'inet', NETPOL_TABLE], {onlyIf: ['nft', 'list', 'table', 'inet', NETPOL_TABLE]}),
  step(['sh', '-c', REMOVE_SAVED, 'sh', NETPOL_SAVED]),
]

/** At boot: the table as it was last programmed, from its saved copy. */
export const netpolBootPlan = (): Plan => [step(['sh', '-c', RESTORE_SAVED, 'sh', NETPOL_SAVED])]

/** NetworkPolicy's part of a node's script: the table whole on join and repair, the changed sets and chains otherwise (then saved), gone when the node leaves. */
export function netpolPlanner({before, after, node, leaving}: import('../pipeline/types.js').NodeChange): Plan {
  if (leaving) return netpolRemovePlan()
  const plan = after.cluster ? netpolNodePlan(before, after, node) : []
  return plan.length ? [...plan, step(['sh', '-c', SAVE, 'sh', NETPOL_SAVED])] : plan
}
