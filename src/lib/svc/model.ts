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
  /** sessionAffinityConfig.clientIP.timeoutSeconds (10800 unless set) */
  affinitySeconds: number
  /** externalTrafficPolicy Local (only meaningful with a NodePort, a LoadBalancer address or external IPs) */
  localOnly: boolean
  /** internalTrafficPolicy Local: traffic to the ClusterIP goes to this node's endpoints only */
  internalLocal: boolean
  /** spec.externalIPs: handled like the ClusterIP, through the external chain */
  externalIPs: string[]
  /** loadBalancerSourceRanges (LoadBalancer): other sources to the LoadBalancer address are dropped */
  sourceRanges: string[]
  /** this node's address (a source range holding it admits the node's own traffic, as kube-proxy does) */
  nodeIP?: string
  endpoints: Array<{ip: string; port: number; local: boolean}>
}

/** What a node's rules depend on besides the services. */
export interface ProxyConfig {
  /** pods' network: traffic from elsewhere to a ClusterIP is masqueraded */
  podCIDR: string
}

export const AFFINITY_SECONDS = 10800

/** Does a service get any rules at all? Headless ones (clusterIP None) and ExternalName ones (a DNS name only) do not. */
export const hasRules = (svc: ServiceRecord): boolean => svc.type !== 'ExternalName' && svc.clusterIP !== 'None' && svc.clusterIP !== ''

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
    nodePort: svc.type === 'ClusterIP' || svc.type === 'ExternalName' ? undefined : port.nodePort,
    loadBalancerIP: svc.type === 'LoadBalancer' ? svc.loadBalancerIP : undefined,
    affinity: svc.sessionAffinity === 'ClientIP',
    affinitySeconds: svc.sessionAffinityTimeout ?? AFFINITY_SECONDS,
    localOnly: svc.externalTrafficPolicy === 'Local' && (svc.type !== 'ClusterIP' || Boolean(svc.externalIPs?.length)),
    internalLocal: svc.internalTrafficPolicy === 'Local',
    externalIPs: svc.externalIPs ?? [],
    sourceRanges: svc.type === 'LoadBalancer' ? svc.loadBalancerSourceRanges ?? [] : [],
    ...(state.nodes[node]?.address ? {nodeIP: state.nodes[node].address} : {}),
    endpoints: endpoints.map((e) => ({ip: e.ip, port: e.port, local: e.node === node})),
  }))
}

/** Services in key order: the order rules are written in. */
export const sortedServices = (state: State): ServiceRecord[] =>
  Object.entries(state.services).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s)
