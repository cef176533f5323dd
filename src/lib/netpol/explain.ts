import {InputError} from '../errors.js'
import {objKey, type NodeRecord, type PodRecord, type State} from '../state/schema.js'
import {contains, parseCidr} from '../util/cidr.js'
import {namedPort, peerSelectsPod, policies, policyPods, selectedBy} from './select.js'
import type {Peer, Policy, PolicyPort} from './spec.js'

/** One end of a connection, for the evaluation: a pod of the pod network, a node, or an address. */
export type End = {kind: 'pod'; pod: PodRecord; ip: string} | {kind: 'node'; node: NodeRecord; ip: string} | {kind: 'ip'; ip: string}

export interface DirVerdict {
  direction: 'egress' | 'ingress'
  /** the pod judged (the source for egress, the destination for ingress); none: not judged */
  pod?: string
  /** policies that isolate it in this direction */
  isolatedBy: string[]
  /** the rule that allows, as "ns/name egress[0]" */
  allowedBy?: string
  allowed: boolean
  /** why, in words */
  reason: string
}

export interface Explanation {
  from: string
  to: string
  protocol: string
  port: number
  allowed: boolean
  egress: DirVerdict
  ingress: DirVerdict
}

const key = (p: PodRecord) => objKey(p.namespace, p.name)
const polKey = (p: Policy) => objKey(p.namespace, p.name)

function peerMatches(state: State, pol: Policy, peer: Peer, other: End): boolean {
  if (peer.kind === 'ipBlock') return contains(parseCidr(peer.cidr), other.ip) && !peer.except.some((e) => contains(parseCidr(e), other.ip))
  return other.kind === 'pod' && peerSelectsPod(state, pol.namespace, peer, other.pod)
}

function portMatches(ports: PolicyPort[] | undefined, protocol: string, port: number, dst: End): boolean {
  if (!ports) return true
  return ports.some((p) => {
    if (p.protocol !== protocol) return false
    if (p.port === undefined) return true
    if (typeof p.port === 'string') return dst.kind === 'pod' && namedPort(dst.pod, p.port, protocol) === port
    return port >= p.port && port <= (p.endPort ?? p.port)
  })
}

function judge(state: State, dir: 'egress' | 'ingress', me: End, other: End, dst: End, protocol: string, port: number): DirVerdict {
  const base = {direction: dir, isolatedBy: [] as string[]}
  if (me.kind !== 'pod') return {...base, allowed: true, reason: `${dir === 'egress' ? 'the source' : 'the destination'} is no pod: not judged`}
  const type = dir === 'egress' ? 'Egress' : 'Ingress'
  const isolating = policies(state).filter((p) => p.types.includes(type) && selectedBy(state, p).some((x) => x === me.pod || key(x) === key(me.pod)))
  const v = {...base, pod: key(me.pod), isolatedBy: isolating.map(polKey)}
  if (!isolating.length) return {...v, allowed: true, reason: `no policy selects ${key(me.pod)} for ${type}: not isolated`}
  if (dir === 'ingress' && other.kind === 'node' && other.node.name === me.pod.node) return {...v, allowed: true, reason: `from the pod's own node ${other.node.name}: always allowed`}
  for (const pol of isolating)
    for (const [i, rule] of pol[dir].entries()) {
      const peerOk = !rule.peers || rule.peers.some((peer) => peerMatches(state, pol, peer, other))
      if (peerOk && portMatches(rule.ports, protocol, port, dst)) return {...v, allowed: true, allowedBy: `${polKey(pol)} ${dir}[${i}]`, reason: `allowed by ${polKey(pol)} ${dir}[${i}]`}
    }
  return {...v, allowed: false, reason: `no rule of ${isolating.map(polKey).join(', ')} allows it: dropped`}
}

/**
 * Would a new connection from one end to the other be allowed? Pure, from the state: egress of
 * the source, then ingress of the destination (after DNAT: the pod itself, not its service).
 */
export function explain(state: State, from: End, to: End, protocol: 'TCP' | 'UDP' | 'SCTP', port: number, texts: {from: string; to: string} = {from: from.ip, to: to.ip}): Explanation {
  const common = {from: texts.from, to: texts.to, protocol, port}
  if (from.kind === 'pod' && to.kind === 'pod' && from.ip === to.ip) {
    const self: DirVerdict = {direction: 'egress', isolatedBy: [], allowed: true, reason: 'a pod reaching itself is not judged'}
    return {...common, allowed: true, egress: self, ingress: {...self, direction: 'ingress'}}
  }
  const egress = judge(state, 'egress', from, to, to, protocol, port)
  const ingress = judge(state, 'ingress', to, from, to, protocol, port)
  return {...common, allowed: egress.allowed && ingress.allowed, egress, ingress}
}

/** pod/NAME, pod/NAMESPACE/NAME (or po/), node/NAME, or an address. */
export function resolveEnd(state: State, namespace: string, text: string): End {
  const m = /^(pod|po|pods)\/(?:([^/]+)\/)?([^/]+)$/.exec(text)
  if (m) {
    const ns = m[2] ?? namespace
    const pod = state.pods[objKey(ns, m[3])]
    if (!pod) throw new InputError(`pod "${m[3]}" not found in namespace ${ns}`, "see 'mk8s pod list -A'; a pod of another namespace is pod/NAMESPACE/NAME")
    if (!pod.ip || pod.network !== 'pod') throw new InputError(`pod ${ns}/${m[3]} is not on the pod network (network ${pod.network}${pod.ip ? '' : ', no address'}): policies do not apply to it`)
    return {kind: 'pod', pod, ip: pod.ip}
  }
  const n = /^(node|no)\/(.+)$/.exec(text)
  if (n) {
    const node = state.nodes[n[2]]
    if (!node) throw new InputError(`node "${n[2]}" not found`, "see 'mk8s node list'")
    return {kind: 'node', node, ip: node.address}
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const pod = policyPods(state).find((p) => p.ip === text)
    if (pod) return {kind: 'pod', pod, ip: text}
    const node = Object.values(state.nodes).find((x) => x.address === text)
    return node ? {kind: 'node', node, ip: text} : {kind: 'ip', ip: text}
  }
  throw new InputError(`cannot explain ${JSON.stringify(text)}`, 'name a pod as pod/NAME or pod/NAMESPACE/NAME, a node as node/NAME, or an IPv4 address')
}
