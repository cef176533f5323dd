import {InputError} from '../errors.js'
import {objKey, type State} from '../state/schema.js'
import {isIPv4} from '../util/cidr.js'
import type {Endpoint} from './model.js'

const USAGE = 'use pod/NAME[:PORT], pod/NAMESPACE/NAME[:PORT], node/NAME[:PORT], svc/NAME[:PORT] or IP[:PORT]'

function splitPort(text: string, rest: string): [string, number | undefined] {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(rest)!
  const port = m[2] === undefined ? undefined : Number(m[2])
  if (port !== undefined && (port < 1 || port > 65535)) throw new InputError(`bad port in ${JSON.stringify(text)}`, 'a port is 1-65535')
  return [m[1], port]
}

/** Resolve FROM/TO text against the state. Addresses of known pods, nodes and services become those. */
export function resolveEndpoint(state: State, namespace: string, text: string): Endpoint {
  const slash = text.indexOf('/')
  const kind = slash > 0 ? text.slice(0, slash) : ''
  const [name, port] = splitPort(text, slash > 0 ? text.slice(slash + 1) : text)
  if (kind === 'pod' || kind === 'po') {
    // pod/NAMESPACE/NAME: a pod of another namespace than -n
    const [ns, podName] = name.includes('/') ? [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)] : [namespace, name]
    const pod = state.pods[objKey(ns, podName)]
    if (!pod) throw new InputError(`pod "${podName}" not found in namespace ${ns}`, "see 'mk8s pod list -A'; a pod of another namespace is pod/NAMESPACE/NAME")
    if (!pod.ip) throw new InputError(`pod "${name}" has no address yet (phase ${pod.phase})`)
    return {kind: 'pod', text, pod, ip: pod.ip, port}
  }
  if (kind === 'node' || kind === 'no') {
    const node = state.nodes[name]
    if (!node) throw new InputError(`node "${name}" not found`, "see 'mk8s node list'")
    return {kind: 'node', text, node, ip: node.address, port}
  }
  if (kind === 'svc' || kind === 'service') {
    const svc = state.services[objKey(namespace, name)]
    if (!svc) throw new InputError(`service "${name}" not found in namespace ${namespace}`, "see 'mk8s svc list'")
    if (svc.type === 'ExternalName') throw new InputError(`service "${name}" is of type ExternalName: it is the DNS name ${svc.externalName}, with no ClusterIP and no rules to trace`, `trace to the address that name resolves to`)
    if (svc.clusterIP === 'None' || !svc.clusterIP) throw new InputError(`service "${name}" is headless: it has no ClusterIP to trace`, 'trace to one of its pods instead')
    const sp = port === undefined ? svc.ports[0] : svc.ports.find((p) => p.port === port)
    if (!sp) throw new InputError(`service "${name}" has no port ${port}`, `its ports: ${svc.ports.map((p) => p.port).join(', ')}`)
    return {kind: 'svc', text, svc, ip: svc.clusterIP, port: sp.port, protocol: sp.protocol === 'UDP' ? 'udp' : 'tcp'}
  }
  if (kind || !isIPv4(name)) throw new InputError(`cannot trace ${JSON.stringify(text)}`, USAGE)
  const pod = Object.values(state.pods).find((p) => p.ip === name && p.namespace === namespace && p.network === 'pod')
  if (pod) return {kind: 'pod', text, pod, ip: name, port}
  const node = Object.values(state.nodes).find((n) => n.address === name)
  if (node) return {kind: 'node', text, node, ip: name, port}
  const svc = Object.values(state.services).find((s) => s.clusterIP === name)
  if (svc && port !== undefined) {
    const sp = svc.ports.find((p) => p.port === port)
    if (sp) return {kind: 'svc', text, svc, ip: name, port, protocol: sp.protocol === 'UDP' ? 'udp' : 'tcp'}
  }
  return {kind: 'ip', text, ip: name, port}
}

/** FROM must be something that can send: a pod or a node. */
export function requireSource(e: Endpoint): Extract<Endpoint, {kind: 'pod' | 'node'}> {
  if (e.kind === 'pod' || e.kind === 'node') return e
  throw new InputError(`cannot trace from ${e.text}: traffic starts in a pod or on a node`, 'e.g. mk8s trace pod/client svc/web:80, or mk8s trace node/node1 pod/web')
}

