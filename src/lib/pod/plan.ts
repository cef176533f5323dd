import {DEFAULTS} from '../cluster/defaults.js'
import {step, type Plan} from '../host/plan.js'
import type {NodeRecord, PodRecord} from '../state/schema.js'
import {nthAddress, parseCidr} from '../util/cidr.js'
import {shortHash} from '../util/ifname.js'

/** Docker names, as kubelet's dockershim made them: k8s_POD_<pod>_<ns> and k8s_<container>_<pod>_<ns>. */
export const pauseName = (p: {namespace: string; name: string}) => `k8s_POD_${p.name}_${p.namespace}`
export const containerName = (p: {namespace: string; name: string}, c: string) => `k8s_${c}_${p.name}_${p.namespace}`

/** Host end of the pod's veth on cni0, from a hash of the pod's identity (never stored by design, but recorded for doctor). */
export const hostVethName = (p: {namespace: string; name: string; uid: string}) => `veth${shortHash(`${p.namespace}/${p.name}/${p.uid}`, 8)}`

/** Labels that mark what mk8s made, so that doctor can find containers the state forgot. */
export const LABEL_POD = 'io.mk8s.pod'
export const LABEL_UID = 'io.mk8s.uid'
export const LABEL_CONTAINER = 'io.mk8s.container'

/** Pod MTU: what the overlay carries (VXLAN costs 50 bytes); the overlay area owns the rule. */
export {podMtu} from '../overlay/plan.js'

export interface WireInput {
  pod: Pick<PodRecord, 'namespace' | 'name' | 'uid' | 'ip'>
  node: Pick<NodeRecord, 'podCIDR'>
  pid: number
  mtu: number
}

/**
 * The ip driver: what a CNI bridge plugin does, as iproute2 steps. A veth pair with its pod end
 * created straight inside the pause container's namespace as eth0; the host end on cni0 with hairpin
 * on (a pod reaching itself through its service); the pod's address, lo, and a default route via
 * the bridge's .1.
 */
export function wirePlan({pod, node, pid, mtu}: WireInput): Plan {
  const veth = hostVethName(pod)
  const cidr = parseCidr(node.podCIDR)
  const inPod = (argv: string[]) => ['nsenter', '-t', String(pid), '-n', ...argv]
  return [
    step(['ip', 'link', 'add', veth, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', String(mtu), 'netns', String(pid)], {
      unless: ['ip', 'link', 'show', veth],
    }),
    step(['ip', 'link', 'set', veth, 'master', DEFAULTS.bridge, 'up']),
    step(['bridge', 'link', 'set', 'dev', veth, 'hairpin', 'on']),
    step(inPod(['ip', 'addr', 'replace', `${pod.ip}/${cidr.bits}`, 'dev', 'eth0'])),
    step(inPod(['ip', 'link', 'set', 'lo', 'up'])),
    step(inPod(['ip', 'link', 'set', 'eth0', 'up'])),
    step(inPod(['ip', 'route', 'replace', 'default', 'via', nthAddress(cidr, 1), 'dev', 'eth0'])),
    // an earlier pod may have had this address: forget its MAC, or the node sends to it for seconds
    step(['ip', 'neigh', 'flush', 'to', pod.ip!, 'dev', DEFAULTS.bridge], {tolerate: true}),
  ]
}

export const unwirePlan = (pod: Pick<PodRecord, 'namespace' | 'name' | 'uid' | 'ip'>): Plan => [
  step(['ip', 'link', 'del', hostVethName(pod)], {tolerate: true}),
  ...(pod.ip ? [step(['ip', 'neigh', 'flush', 'to', pod.ip, 'dev', DEFAULTS.bridge], {tolerate: true})] : []),
]

export const CNI_PATH = '/usr/lib/cni'
export const CNI_NETWORK = 'mk8s'

/** The network configuration list the standard plugins get (bridge + host-local, loopback, portmap). */
export function cniConfig(node: Pick<NodeRecord, 'podCIDR'>, mtu: number) {
  const cidr = parseCidr(node.podCIDR)
  return {
    cniVersion: '1.0.0',
    name: CNI_NETWORK,
    plugins: [
      {
        type: 'bridge',
        bridge: DEFAULTS.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        mtu,
        ipam: {type: 'host-local', ranges: [[{subnet: cidr.text, gateway: nthAddress(cidr, 1)}]], routes: [{dst: '0.0.0.0/0'}]},
      },
      {type: 'portmap', capabilities: {portMappings: true}, snat: true},
    ],
  }
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK'

/** One plugin call, as the CNI spec has a runtime make it: environment, config on stdin. */
export function cniStep(command: CniCommand, plugin: Record<string, unknown>, net: {name: string; cniVersion: string}, containerId: string, netnsPath: string, ifname: string, args: string, prevResult?: unknown) {
  const conf = {cniVersion: net.cniVersion, name: net.name, ...plugin, ...(prevResult ? {prevResult} : {})}
  return step(
    ['env', `CNI_COMMAND=${command}`, `CNI_CONTAINERID=${containerId}`, `CNI_NETNS=${netnsPath}`, `CNI_IFNAME=${ifname}`, `CNI_PATH=${CNI_PATH}`, `CNI_ARGS=${args}`, `${CNI_PATH}/${String(plugin.type)}`],
    {stdin: JSON.stringify(conf), capture: true},
  )
}

/** The cni driver: loopback for lo, then the bridge plugin (host-local handing out the address mk8s chose). */
export function cniAddPlan(pod: Pick<PodRecord, 'ip' | 'uid'>, node: Pick<NodeRecord, 'podCIDR'>, mtu: number, containerId: string, pid: number): Plan {
  const conf = cniConfig(node, mtu)
  const ns = `/proc/${pid}/ns/net`
  return [
    cniStep('ADD', {type: 'loopback'}, conf, containerId, ns, 'lo', 'IgnoreUnknown=1'),
    cniStep('ADD', conf.plugins[0], conf, containerId, ns, 'eth0', `IgnoreUnknown=1;IP=${pod.ip}`),
  ]
}

/** The portmap plugin, chained after the bridge: its prevResult is the bridge's result. */
export function cniPortmapPlan(command: 'ADD' | 'DEL', portMappings: Array<{hostPort: number; containerPort: number; protocol: string}>, containerId: string, netns: string | number, prevResult?: unknown): Plan {
  const conf = {cniVersion: '1.0.0', name: CNI_NETWORK}
  const path = typeof netns === 'number' ? `/proc/${netns}/ns/net` : netns
  return [cniStep(command, {type: 'portmap', capabilities: {portMappings: true}, snat: true, runtimeConfig: {portMappings}}, conf, containerId, path, 'eth0', 'IgnoreUnknown=1', prevResult)]
}

/** The "none" mode: the pod keeps its own namespace with only lo up. */
export const loopbackOnlyPlan = (pid: number): Plan => [step(['nsenter', '-t', String(pid), '-n', 'ip', 'link', 'set', 'lo', 'up'])]

/** CNI DEL in reverse order; the namespace may already be gone, which DEL must tolerate. */
export function cniDelPlan(node: Pick<NodeRecord, 'podCIDR'>, mtu: number, containerId: string, netnsPath: string): Plan {
  const conf = cniConfig(node, mtu)
  return [cniStep('DEL', conf.plugins[0], conf, containerId, netnsPath, 'eth0', 'IgnoreUnknown=1')]
}
