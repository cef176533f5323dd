import {DEFAULTS} from '../cluster/defaults.js'
import {hostValue, step, type Arg, type HostValue, type Plan, type Step} from '../host/plan.js'
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

/** The shell variable a node's script keeps a pod's pause pid in. */
export const pidVar = (p: {namespace: string; name: string; uid: string}): string => `PAUSE_${shortHash(`${p.namespace}/${p.name}/${p.uid}`, 8).toUpperCase()}`

/**
 * The step that asks the node's Docker for the pid of the pod's pause container and keeps it for
 * the wiring steps after it: the script finds the namespace itself, so that dry-run shows what runs.
 */
export const pausePidStep = (p: {namespace: string; name: string; uid: string}): Step =>
  step(['docker', 'inspect', '--format', '{{.State.Pid}}', pauseName(p)], {bind: pidVar(p)})

export const pausePid = (p: {namespace: string; name: string; uid: string}): HostValue => hostValue(pidVar(p))

export interface WireInput {
  pod: Pick<PodRecord, 'namespace' | 'name' | 'uid' | 'ip'>
  node: Pick<NodeRecord, 'podCIDR'>
  pid: Arg
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
  const inPod = (argv: string[]): Arg[] => ['nsenter', '-t', pid, '-n', ...argv]
  return [
    step(['ip', 'link', 'add', veth, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', String(mtu), 'netns', pid], {
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
/** Where host-local keeps its leases: a file per address holding the container id. */
export const CNI_LEASES = '/var/lib/cni/networks'
// host-local ends the id's line with \r\n: compared without it, a pod's own lease is kept
const RECLAIM = '[ -e "$1" ] || exit 0; [ "$(head -n1 "$1" | tr -d "\\r")" = "$2" ] || rm -f "$1"'
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
/**
 * Runs a plugin; on failure its answer (the CNI error JSON it writes on stdout) goes to stderr, so
 * that the failing step's message carries it.
 */
const CNI_RUN = 'out=$("$@") || { rc=$?; printf "%s\\n" "$out" >&2; exit "$rc"; }'

/** The namespace path a plugin gets: the pause container's, found by the script (see pausePidStep). */
export const netnsOf = (pid: HostValue | ''): Arg => (pid === '' ? '' : {...pid, before: '/proc/', after: '/ns/net'})

/** One plugin call, as the CNI spec has a runtime make it: environment, config on stdin. */
export function cniStep(command: CniCommand, plugin: Record<string, unknown>, net: {name: string; cniVersion: string}, containerId: string, netns: Arg, ifname: string, args: string, prevResult?: unknown): Step {
  const conf = {cniVersion: net.cniVersion, name: net.name, ...plugin, ...(prevResult ? {prevResult} : {})}
  const nsArg: Arg = typeof netns === 'string' ? `CNI_NETNS=${netns}` : {...netns, before: `CNI_NETNS=${netns.before ?? ''}`}
  return step(
    ['sh', '-c', CNI_RUN, 'sh', 'env', `CNI_COMMAND=${command}`, `CNI_CONTAINERID=${containerId}`, nsArg, `CNI_IFNAME=${ifname}`, `CNI_PATH=${CNI_PATH}`, `CNI_ARGS=${args}`, `${CNI_PATH}/${String(plugin.type)}`],
    {stdin: JSON.stringify(conf)},
  )
}

/** The cni driver: loopback for lo, then the bridge plugin (host-local handing out the address mk8s chose). */
export function cniAddPlan(pod: Pick<PodRecord, 'ip' | 'uid'>, node: Pick<NodeRecord, 'podCIDR'>, mtu: number, containerId: string, pid: HostValue): Plan {
  const conf = cniConfig(node, mtu)
  const ns = netnsOf(pid)
  return [
    // host-local keeps leases on disk: one of this address held by another (dead) sandbox is stale, as mk8s chose the address for this pod
    step(['sh', '-c', RECLAIM, 'sh', `${CNI_LEASES}/${CNI_NETWORK}/${pod.ip}`, containerId]),
    cniStep('ADD', {type: 'loopback'}, conf, containerId, ns, 'lo', 'IgnoreUnknown=1'),
    // a sandbox that is already wired (a repair) keeps its eth0: ADD is not idempotent
    {...cniStep('ADD', conf.plugins[0], conf, containerId, ns, 'eth0', `IgnoreUnknown=1;IP=${pod.ip}`), unless: ['nsenter', '-t', pid, '-n', 'ip', 'link', 'show', 'eth0']},
  ]
}

/**
 * The portmap plugin, chained after the bridge. Its prevResult is what the bridge answered; portmap
 * reads only the container's address from it, which mk8s chose, so it is written here from the pod.
 */
export function cniPortmapPlan(command: 'ADD' | 'DEL', portMappings: Array<{hostPort: number; containerPort: number; protocol: string}>, pod: Pick<PodRecord, 'ip'>, node: Pick<NodeRecord, 'podCIDR'>, containerId: string, netns: Arg): Plan {
  const conf = {cniVersion: '1.0.0', name: CNI_NETWORK}
  const prevResult = command === 'ADD' && pod.ip ? {cniVersion: '1.0.0', ips: [{address: `${pod.ip}/${parseCidr(node.podCIDR).bits}`, gateway: nthAddress(parseCidr(node.podCIDR), 1)}]} : undefined
  return [cniStep(command, {type: 'portmap', capabilities: {portMappings: true}, snat: true, runtimeConfig: {portMappings}}, conf, containerId, netns, 'eth0', 'IgnoreUnknown=1', prevResult)]
}

/** The "none" mode: the pod keeps its own namespace with only lo up. */
export const loopbackOnlyPlan = (pid: Arg): Plan => [step(['nsenter', '-t', pid, '-n', 'ip', 'link', 'set', 'lo', 'up'])]

/** CNI DEL in reverse order, after the containers are gone: the spec lets DEL run without a namespace, and host-local frees the address by container id. */
export function cniDelPlan(node: Pick<NodeRecord, 'podCIDR'>, mtu: number, containerId: string): Plan {
  const conf = cniConfig(node, mtu)
  return [cniStep('DEL', conf.plugins[0], conf, containerId, '', 'eth0', 'IgnoreUnknown=1')]
}
