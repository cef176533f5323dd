import {step, type Plan} from '../host/plan.js'
import {nthAddress, parseCidr} from '../util/cidr.js'
import {ifname, shortHash} from '../util/ifname.js'

export const netnsAddPlan = (name: string): Plan => [
  step(['ip', 'netns', 'add', name]),
  step(['ip', '-n', name, 'link', 'set', 'lo', 'up']),
]

export const netnsDelPlan = (name: string): Plan => [step(['ip', 'netns', 'del', name], {onlyIf: ['test', '-e', `/run/netns/${name}`]})]

/** Interface names of a veth pair between namespaces a and b: inside a it is named after b. */
export const vethNames = (a: string, b: string) => ({inA: ifname('to-', b), inB: ifname('to-', a)})

/** The "simple p2p" model: a veth pair between two namespaces, .1 in a and .2 in b. */
export function netnsLinkPlan(a: string, b: string, cidrText: string): Plan {
  const c = parseCidr(cidrText)
  const {inA, inB} = vethNames(a, b)
  return [
    step(['ip', 'link', 'add', inA, 'netns', a, 'type', 'veth', 'peer', 'name', inB, 'netns', b], {unless: ['ip', '-n', a, 'link', 'show', inA]}),
    step(['ip', '-n', a, 'addr', 'replace', `${nthAddress(c, 1)}/${c.bits}`, 'dev', inA]),
    step(['ip', '-n', b, 'addr', 'replace', `${nthAddress(c, 2)}/${c.bits}`, 'dev', inB]),
    step(['ip', '-n', a, 'link', 'set', inA, 'up']),
    step(['ip', '-n', b, 'link', 'set', inB, 'up']),
  ]
}

export const netnsUnlinkPlan = (a: string, b: string): Plan => [step(['ip', '-n', a, 'link', 'del', vethNames(a, b).inA], {tolerate: true})]

/** Host end of a member's veth on a bridge: mk8s-prefixed, from a hash, so it never clashes. */
export const bridgePortName = (bridge: string, member: string): string => `mk8s${shortHash(`${bridge}/${member}`, 8)}`
export const bridgeMemberIf = (bridge: string): string => ifname('br-', bridge)

/** The "bridge" model: a Linux bridge holding .1, each member on a veth port with .2, .3, ... and a default route via .1. */
export function netnsBridgePlan(bridge: string, members: readonly string[], cidrText: string): Plan {
  const c = parseCidr(cidrText)
  const gw = nthAddress(c, 1)
  const plan: Plan = [
    step(['ip', 'link', 'add', bridge, 'type', 'bridge'], {unless: ['ip', 'link', 'show', bridge]}),
    step(['ip', 'addr', 'replace', `${gw}/${c.bits}`, 'dev', bridge]),
    step(['ip', 'link', 'set', bridge, 'up']),
  ]
  members.forEach((m, i) => {
    const port = bridgePortName(bridge, m)
    const inside = bridgeMemberIf(bridge)
    plan.push(
      step(['ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', inside, 'netns', m], {unless: ['ip', 'link', 'show', port]}),
      step(['ip', 'link', 'set', port, 'master', bridge, 'up']),
      step(['ip', '-n', m, 'addr', 'replace', `${nthAddress(c, i + 2)}/${c.bits}`, 'dev', inside]),
      step(['ip', '-n', m, 'link', 'set', inside, 'up']),
      step(['ip', '-n', m, 'route', 'replace', 'default', 'via', gw]),
    )
  })
  return plan
}

export const netnsBridgeDelPlan = (bridge: string, members: readonly string[]): Plan => [
  ...members.map((m) => step(['ip', 'link', 'del', bridgePortName(bridge, m)], {tolerate: true})),
  step(['ip', 'link', 'del', bridge], {onlyIf: ['ip', 'link', 'show', bridge]}),
]

/** The by-hand namespaces' part of a leaving node's script: its bridges and namespaces go with it. */
export function netnsPlanner({before, node, leaving}: import('../pipeline/types.js').NodeChange): Plan {
  if (!leaving || !before) return []
  return [
    ...Object.values(before.netlinks).filter((l) => l.node === node.name && l.kind === 'bridge').flatMap((l) => netnsBridgeDelPlan(l.name, l.members)),
    ...Object.values(before.netns).filter((n) => n.node === node.name).flatMap((n) => netnsDelPlan(n.name)),
  ]
}

