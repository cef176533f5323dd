import {InputError} from '../errors.js'
import type {NodeRecord, PodRecord, State} from '../state/schema.js'
import {cidrSize, nthAddress, parseCidr} from '../util/cidr.js'

/** The lowest free address of the node's /24 (.2 up; .0 is the VTEP, .1 the bridge, the last is broadcast). */
export function allocatePodIP(state: State, node: NodeRecord, reserved: readonly PodRecord[] = []): string {
  const c = parseCidr(node.podCIDR)
  const used = new Set([...Object.values(state.pods), ...reserved].filter((p) => p.node === node.name && p.ip).map((p) => p.ip))
  for (let i = 2; i < cidrSize(c) - 1; i++) {
    const ip = nthAddress(c, i)
    if (!used.has(ip)) return ip
  }
  throw new InputError(`node ${node.name} has no free pod address left in ${node.podCIDR}`, 'delete pods there, or place the pod on another node with --node')
}

/** Spread: the Ready node with the fewest pods (of the same owner first, then in all), by name on ties. */
export function pickNode(state: State, nodes: readonly NodeRecord[], owner: string | undefined, reserved: readonly PodRecord[]): NodeRecord {
  const ready = nodes.filter((n) => n.ready)
  if (ready.length === 0) throw new InputError('no Ready node to place the pod on', "see 'mk8s node list'; join a node with 'mk8s node join'")
  const pods = [...Object.values(state.pods), ...reserved]
  const count = (n: NodeRecord, ownerOnly: boolean) => pods.filter((p) => p.node === n.name && (!ownerOnly || (owner !== undefined && p.owner === owner))).length
  return [...ready].sort((a, b) => count(a, true) - count(b, true) || count(a, false) - count(b, false) || a.name.localeCompare(b.name, 'en', {numeric: true}))[0]
}
