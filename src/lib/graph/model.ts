/**
 * The cluster as a picture, computed from the state file alone: each node with its underlay
 * address, its cni0 bridge (.1 of its /24) and its pods; the overlay between nodes (a VXLAN
 * tunnel between flannel.1 devices per pair of nodes, or host-gw routes); services with their
 * ClusterIP and edges to their endpoints. Renderers (dot.ts, mermaid.ts) only draw this.
 */
import {sortedNodes} from '../cluster/model.js'
import type {PodRecord, ServiceRecord, State} from '../state/schema.js'
import {selectedPods} from '../svc/endpoints.js'
import {portsText} from '../svc/v1.js'
import {nthAddress, parseCidr} from '../util/cidr.js'

export interface GraphPod {
  id: string
  key: string
  ip?: string
  phase: PodRecord['phase']
  /** pod: on cni0; host: the node's own network; none: only loopback */
  network: PodRecord['network']
}

export interface GraphNode {
  id: string
  name: string
  address: string
  iface: string
  ready: boolean
  podCIDR: string
  /** cni0's address with the node's prefix, e.g. 10.244.1.1/24 */
  bridge: string
  /** the VTEP address on flannel.1 (vxlan only): .0 of the node's subnet */
  vtep?: string
  pods: GraphPod[]
}

export interface GraphLink {
  from: string
  to: string
  /** one per pair of nodes: a VXLAN tunnel, or host-gw's two routes (each node's to the other) */
  kind: 'vxlan' | 'host-gw'
  label: string
}

export interface GraphService {
  id: string
  key: string
  type: ServiceRecord['type']
  clusterIP: string
  ports: string
  /** ids of the endpoint pods */
  endpoints: string[]
}

export interface Graph {
  title: string
  backend?: 'vxlan' | 'host-gw'
  nodes: GraphNode[]
  /** pods whose node is not in the state (any more) */
  strayPods: GraphPod[]
  links: GraphLink[]
  services: GraphService[]
}

export const VXLAN_LABEL = 'VXLAN VNI 1, UDP 8472'

const byKey = <T extends {namespace: string; name: string}>(a: T, b: T) =>
  a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name, 'en', {numeric: true})

export function clusterGraph(state: State): Graph {
  const c = state.cluster
  const backend = c?.backend
  const podId = new Map<string, string>()
  const pods = Object.values(state.pods).sort(byKey)
  pods.forEach((p, i) => podId.set(`${p.namespace}/${p.name}`, `pod${i}`))
  const toPod = (p: PodRecord): GraphPod => ({
    id: podId.get(`${p.namespace}/${p.name}`)!,
    key: `${p.namespace}/${p.name}`,
    ip: p.ip,
    phase: p.phase,
    network: p.network,
  })

  const nodes: GraphNode[] = sortedNodes(state).map((n, i) => {
    const subnet = parseCidr(n.podCIDR)
    return {
      id: `node${i}`,
      name: n.name,
      address: n.address,
      iface: n.iface,
      ready: n.ready,
      podCIDR: n.podCIDR,
      bridge: `${nthAddress(subnet, 1)}/${subnet.bits}`,
      vtep: backend === 'vxlan' ? nthAddress(subnet, 0) : undefined,
      pods: pods.filter((p) => p.node === n.name).map(toPod),
    }
  })

  const links: GraphLink[] = []
  const route = (on: GraphNode, to: GraphNode) => `${on.name}: ${to.podCIDR} via ${to.address}`
  nodes.forEach((a, i) => {
    for (const b of nodes.slice(i + 1)) {
      if (backend === 'vxlan') links.push({from: a.id, to: b.id, kind: backend, label: VXLAN_LABEL})
      if (backend === 'host-gw') links.push({from: a.id, to: b.id, kind: backend, label: `${route(a, b)}\n${route(b, a)}`})
    }
  })

  const services: GraphService[] = Object.values(state.services)
    .sort(byKey)
    .map((s, i) => ({
      id: `svc${i}`,
      key: `${s.namespace}/${s.name}`,
      type: s.type,
      clusterIP: s.clusterIP,
      ports: portsText(s),
      endpoints: selectedPods(state, s).map((p) => podId.get(`${p.namespace}/${p.name}`)!),
    }))

  const title = c
    ? `mk8s cluster: pods ${c.podCIDR}, services ${c.serviceCIDR}, ${c.backend}, ${c.proxyMode}`
    : 'mk8s: no cluster in this state file'
  return {
    title,
    backend,
    nodes,
    strayPods: pods.filter((p) => !state.nodes[p.node]).map(toPod),
    links,
    services,
  }
}
