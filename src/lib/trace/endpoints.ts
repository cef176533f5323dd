import {InputError} from '../errors.js'
import {objKey, type State} from '../state/schema.js'
import {isIPv4} from '../util/cidr.js'
import type {Endpoint} from './model.js'

const USAGE = 'use pod/NAME[:PORT[/udp]], pod/NAMESPACE/NAME[:PORT[/udp]], node/NAME[:PORT[/udp]], svc/NAME[:PORT[/udp]] or IP[:PORT[/udp]]'

type Proto = 'tcp' | 'udp'

/** "NAME:PORT/PROTO": the name, the port and its protocol if written (tcp or udp, any case). */
function splitPort(text: string, rest: string): [string, number | undefined, Proto | undefined] {
  const bad = /:\d{1,5}\/([A-Za-z]+)$/.exec(rest)
  if (bad && !/^(tcp|udp)$/i.test(bad[1])) throw new InputError(`bad protocol ${JSON.stringify(bad[1])} in ${JSON.stringify(text)}`, 'trace follows PORT/tcp (a port alone) and PORT/udp')
  const m = /^(.*?)(?::(\d{1,5})(?:\/(tcp|udp))?)?$/i.exec(rest)!
  const port = m[2] === undefined ? undefined : Number(m[2])
  if (port !== undefined && (port < 1 || port > 65535)) throw new InputError(`bad port in ${JSON.stringify(text)}`, 'a port is 1-65535')
  return [m[1], port, m[3]?.toLowerCase() as Proto | undefined]
}

const svcProto = (p: {protocol?: string}): Proto => (p.protocol === 'UDP' ? 'udp' : 'tcp')
/** A service port by number (the first port without one), of the protocol asked if one was. */
const svcPort = <T extends {port: number; protocol?: string}>(ports: T[], port: number | undefined, proto: Proto | undefined): T | undefined =>
  ports.find((p) => (port === undefined || p.port === port) && (proto === undefined || svcProto(p) === proto))

/** Resolve FROM/TO text against the state. Addresses of known pods, nodes and services become those. */
export function resolveEndpoint(state: State, namespace: string, text: string): Endpoint {
  // KIND/...: a word before the first slash (an address's slash is that of PORT/udp)
  const slash = /^[a-z]+\//.test(text) ? text.indexOf('/') : -1
  const kind = slash > 0 ? text.slice(0, slash) : ''
  const [name, port, protocol] = splitPort(text, slash > 0 ? text.slice(slash + 1) : text)
  const proto = protocol ? {protocol} : {}
  if (kind === 'pod' || kind === 'po') {
    // pod/NAMESPACE/NAME: a pod of another namespace than -n
    const [ns, podName] = name.includes('/') ? [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)] : [namespace, name]
    const pod = state.pods[objKey(ns, podName)]
    if (!pod) throw new InputError(`pod "${podName}" not found in namespace ${ns}`, "see 'mk8s pod list -A'; a pod of another namespace is pod/NAMESPACE/NAME")
    if (!pod.ip) throw new InputError(`pod "${name}" has no address yet (phase ${pod.phase})`)
    return {kind: 'pod', text, pod, ip: pod.ip, port, ...proto}
  }
  if (kind === 'node' || kind === 'no') {
    const node = state.nodes[name]
    if (!node) throw new InputError(`node "${name}" not found`, "see 'mk8s node list'")
    return {kind: 'node', text, node, ip: node.address, port, ...proto}
  }
  if (kind === 'svc' || kind === 'service') {
    const svc = state.services[objKey(namespace, name)]
    if (!svc) throw new InputError(`service "${name}" not found in namespace ${namespace}`, "see 'mk8s svc list'")
    if (svc.type === 'ExternalName') throw new InputError(`service "${name}" is of type ExternalName: it is the DNS name ${svc.externalName}, with no ClusterIP and no rules to trace`, `trace to the address that name resolves to`)
    if (svc.clusterIP === 'None' || !svc.clusterIP) throw new InputError(`service "${name}" is headless: it has no ClusterIP to trace`, 'trace to one of its pods instead')
    const sp = svcPort(svc.ports, port, protocol)
    if (!sp) throw new InputError(`service "${name}" has no port ${port ?? ''}${protocol ? `/${protocol}` : ''}`, `its ports: ${svc.ports.map((p) => `${p.port}/${svcProto(p)}`).join(', ')}`)
    return {kind: 'svc', text, svc, ip: svc.clusterIP, port: sp.port, protocol: svcProto(sp)}
  }
  if (kind || !isIPv4(name)) throw new InputError(`cannot trace ${JSON.stringify(text)}`, USAGE)
  const pod = Object.values(state.pods).find((p) => p.ip === name && p.namespace === namespace && p.network === 'pod')
  if (pod) return {kind: 'pod', text, pod, ip: name, port, ...proto}
  const node = Object.values(state.nodes).find((n) => n.address === name)
  if (node) return {kind: 'node', text, node, ip: name, port, ...proto}
  const svc = Object.values(state.services).find((s) => s.clusterIP === name)
  if (svc && port !== undefined) {
    const sp = svcPort(svc.ports, port, protocol)
    if (sp) return {kind: 'svc', text, svc, ip: name, port, protocol: svcProto(sp)}
  }
  return {kind: 'ip', text, ip: name, port, ...proto}
}

/** FROM must be something that can send: a pod or a node. */
export function requireSource(e: Endpoint): Extract<Endpoint, {kind: 'pod' | 'node'}> {
  if (e.kind === 'pod' || e.kind === 'node') return e
  throw new InputError(`cannot trace from ${e.text}: traffic starts in a pod or on a node`, 'e.g. mk8s trace pod/client svc/web:80, or mk8s trace node/node1 pod/web')
}

