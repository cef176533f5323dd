/**
 * The cluster's objects as Kubernetes manifests that `kubectl apply -f` accepts on a real cluster:
 * apiVersion, kind, metadata (name, namespace, labels) and spec, without what only means something
 * here (uids, times, pod addresses, the node a pod was put on, ClusterIPs and pool addresses, which
 * the new cluster allocates itself). Pods made by a Deployment come with their Deployment.
 */
import {BUILT_IN_NAMESPACES, NAME_LABEL} from '../namespace/model.js'
import {hasSelector} from '../endpoints/model.js'
import {toV1StoredEndpoints} from '../endpoints/v1.js'
import {statefulSetManifest} from '../statefulset/v1.js'
import type {DeploymentRecord, IngressRecord, NetworkPolicyRecord, PodRecord, SecretRecord, ServiceRecord, State} from '../state/schema.js'

export interface Manifest {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>}
  spec?: Record<string, unknown>
  /** Secret */
  type?: string
  data?: Record<string, string>
  /** Endpoints */
  subsets?: unknown[]
  /** EndpointSlice */
  addressType?: string
  endpoints?: unknown[]
  ports?: unknown[]
}

/** Namespaces every cluster has. */
const BUILT_IN = new Set(BUILT_IN_NAMESPACES)

const metadata = (o: {name: string; namespace: string; labels?: Record<string, string>}): Manifest['metadata'] => ({
  name: o.name,
  namespace: o.namespace,
  ...(o.labels && Object.keys(o.labels).length ? {labels: o.labels} : {}),
})

/** A pod spec without its node: the new cluster schedules it. */
const portableSpec = (spec: Record<string, unknown>): Record<string, unknown> => {
  const {nodeName: _node, ...rest} = spec
  return rest
}

export const serviceManifest = (s: ServiceRecord): Manifest => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: metadata(s),
  spec: {
    type: s.type,
    ...(s.clusterIP === 'None' ? {clusterIP: 'None'} : {}),
    ...(s.type === 'ExternalName' ? {externalName: s.externalName} : {}),
    ...(s.externalIPs?.length ? {externalIPs: s.externalIPs} : {}),
    ...(Object.keys(s.selector).length ? {selector: s.selector} : {}),
    ports: s.ports.map((p) => ({...(p.name ? {name: p.name} : {}), protocol: p.protocol, port: p.port, targetPort: p.targetPort, ...(p.nodePort ? {nodePort: p.nodePort} : {})})),
    ...(s.sessionAffinity === 'ClientIP' ? {sessionAffinity: 'ClientIP'} : {}),
    ...(s.sessionAffinityTimeout !== undefined ? {sessionAffinityConfig: {clientIP: {timeoutSeconds: s.sessionAffinityTimeout}}} : {}),
    ...(s.externalTrafficPolicy === 'Local' && (s.type === 'NodePort' || s.type === 'LoadBalancer' || s.externalIPs?.length) ? {externalTrafficPolicy: 'Local'} : {}),
    ...(s.internalTrafficPolicy === 'Local' ? {internalTrafficPolicy: 'Local'} : {}),
    ...(s.loadBalancerSourceRanges?.length ? {loadBalancerSourceRanges: s.loadBalancerSourceRanges} : {}),
    ...(s.publishNotReadyAddresses ? {publishNotReadyAddresses: true} : {}),
  },
})

export const deploymentManifest = (d: DeploymentRecord): Manifest => {
  const template = d.template as {metadata?: Record<string, unknown>; spec?: Record<string, unknown>}
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(d),
    spec: {
      replicas: d.replicas,
      selector: {matchLabels: d.selector},
      template: {...template, spec: portableSpec(template.spec ?? {})},
    },
  }
}

export const podManifest = (p: PodRecord): Manifest => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {...metadata(p), ...(p.network === 'none' ? {annotations: {'mk8s.io/network': 'none'}} : {})},
  spec: portableSpec(p.spec),
})

export const secretManifest = (s: SecretRecord): Manifest => ({apiVersion: 'v1', kind: 'Secret', metadata: metadata(s), type: s.type, data: s.data})

export const ingressManifest = (i: IngressRecord): Manifest => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {...metadata(i), ...(Object.keys(i.annotations).length ? {annotations: i.annotations} : {})},
  spec: i.spec,
})

/** A Namespace with the labels that were applied (kubernetes.io/metadata.name is set by any cluster). */
const namespaceManifest = (state: State, name: string): Manifest => {
  const labels = Object.fromEntries(Object.entries(state.namespaces[name]?.labels ?? {}).filter(([k]) => k !== NAME_LABEL))
  return {apiVersion: 'v1', kind: 'Namespace', metadata: {name, ...(Object.keys(labels).length ? {labels} : {})}}
}

export const networkPolicyManifest = (p: NetworkPolicyRecord): Manifest => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: metadata(p),
  spec: p.spec,
})

const byKey = <T extends {namespace: string; name: string}>(a: T, b: T) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)

/**
 * Manifests of one namespace (or all, when namespace is undefined): Namespaces first (applied
 * ones, and those objects are in that a cluster does not have already), IngressClasses (with -A), then Secrets, ConfigMaps, Services,
 * the Endpoints and EndpointSlices listed by hand, Deployments, StatefulSets, Pods not owned by either, Ingresses and NetworkPolicies.
 */
export function exportManifests(state: State, namespace?: string): Manifest[] {
  const pick = <T extends {namespace: string; name: string}>(xs: Record<string, T>) =>
    Object.values(xs)
      .filter((x) => namespace === undefined || x.namespace === namespace)
      .sort(byKey)
  const services = pick(state.services)
  const deployments = pick(state.deployments)
  const statefulSets = pick(state.statefulSets)
  const pods = pick(state.pods).filter((p) => !p.owner)
  const secrets = pick(state.secrets)
  const configMaps = pick(state.configMaps)
  const ingresses = pick(state.ingresses)
  const netpols = pick(state.networkPolicies)
  // what was applied by hand; one named like a Service with a selector is not used, and not exported
  const endpoints = pick(state.endpoints).filter((e) => {
    const svc = state.services[`${e.namespace}/${e.name}`]
    return !svc || !hasSelector(svc)
  })
  const slices = pick(state.endpointSlices)
  const applied = Object.keys(state.namespaces).filter((n) => namespace === undefined || n === namespace)
  const used = [...services, ...deployments, ...statefulSets, ...pods, ...secrets, ...configMaps, ...ingresses, ...netpols, ...endpoints, ...slices].map((o) => o.namespace).filter((n) => !BUILT_IN.has(n))
  const namespaces = [...new Set([...applied, ...used])].sort()
  const classes = namespace === undefined ? Object.values(state.ingressClasses).sort((a, b) => a.name.localeCompare(b.name)) : []
  return [
    ...namespaces.map((name) => namespaceManifest(state, name)),
    ...classes.map((c): Manifest => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: {name: c.name, ...(Object.keys(c.labels).length ? {labels: c.labels} : {}), ...(Object.keys(c.annotations).length ? {annotations: c.annotations} : {})},
      spec: {controller: c.controller},
    })),
    ...secrets.map(secretManifest),
    ...configMaps.map((m): Manifest => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(m), data: m.data})),
    ...services.map(serviceManifest),
    ...endpoints.map((e): Manifest => ({apiVersion: 'v1', kind: 'Endpoints', metadata: metadata(e), subsets: toV1StoredEndpoints(e).subsets})),
    ...slices.map((e): Manifest => ({apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: metadata(e), addressType: e.addressType, endpoints: e.endpoints, ports: e.ports})),
    ...deployments.map(deploymentManifest),
    ...statefulSets.map(statefulSetManifest),
    ...pods.map(podManifest),
    ...ingresses.map(ingressManifest),
    ...netpols.map(networkPolicyManifest),
  ]
}
