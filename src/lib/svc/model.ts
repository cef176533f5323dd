import type {ServiceRecord, State} from '../state/schema.js'
import {endpointsOf} from './endpoints.js'
import {servicePortName} from './names.js'

/** Everything the rule planners need about one service port, as seen from one node. */
export interface ProxyPort {
  namespace: string
  name: string
  /** kube-proxy's service port name: "ns/name" or "ns/name:port" */
  spn: string
  portName?: string
  protocol: 'TCP' | 'UDP'
  clusterIP: string
  port: number
  nodePort?: number
  loadBalancerIP?: string
  affinity: boolean
  /** externalTrafficPolicy Local (only meaningful with a NodePort or a LoadBalancer address) */
  localOnly: boolean
  endpoints: Array<{ip: string; port: number; local: boolean}>
}

/** What a node's rules depend on besides the services. */
export interface ProxyConfig {
  /** pods' network: traffic from elsewhere to a ClusterIP is masqueraded */
  podCIDR: string
}

export const AFFINITY_SECONDS = 10800

/** Does a service get any rules at all? Headless ones (clusterIP None) do not. */
export const hasRules = (svc: ServiceRecord): boolean => svc.clusterIP !== 'None' && svc.clusterIP !== ''

/** The ports of one service as node `node` must program them. */
export function proxyPorts(state: State, svc: ServiceRecord, node: string): ProxyPort[] {
  if (!hasRules(svc)) return []
  return endpointsOf(state, svc).map(({port, endpoints}) => ({
    namespace: svc.namespace,
    name: svc.name,
    spn: servicePortName(svc.namespace, svc.name, port.name),
    portName: port.name,
    protocol: port.protocol,
    clusterIP: svc.clusterIP,
    port: port.port,
    nodePort: svc.type === 'ClusterIP' ? undefined : port.nodePort,
    loadBalancerIP: svc.type === 'LoadBalancer' ? svc.loadBalancerIP : undefined,
    affinity: svc.sessionAffinity === 'ClientIP',
    localOnly: svc.externalTrafficPolicy === 'Local' && svc.type !== 'ClusterIP',
    endpoints: endpoints.map((e) => ({ip: e.ip, port: e.port, local: e.node === node})),
  }))
}

/** Services in key order: the order rules are written in. */
export const sortedServices = (state: State): ServiceRecord[] =>
  Object.entries(state.services).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s)
