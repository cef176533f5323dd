import type {IngressSpec} from '../ingress/spec.js'
import type {NetpolSpec} from '../netpol/spec.js'
import type {PodSpec} from '../pod/spec.js'
import {fileURLToPath} from 'node:url'
import {z} from 'zod'

export const STATE_VERSION = 1

/** The file this schema was loaded from (the bundle, or schema.js): a state's digest names it (state/store.ts). */
export const SCHEMA_FILE = fileURLToPath(import.meta.url)

export const TargetSchema = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('local')}),
  z.object({
    kind: z.literal('ssh'),
    user: z.string(),
    host: z.string(),
    port: z.number().int(),
    // optional: states written before these read as before (root, no alias, the user's defaults)
    sudo: z.boolean().optional(),
    alias: z.string().optional(),
    sshConfig: z.string().optional(),
    identity: z.string().optional(),
  }),
])

export const ClusterSchema = z.object({
  podCIDR: z.string(),
  serviceCIDR: z.string(),
  backend: z.enum(['vxlan', 'host-gw']),
  proxyMode: z.enum(['iptables', 'nftables']),
  driver: z.enum(['ip', 'cni']),
  clusterDomain: z.string(),
  dnsIP: z.string(),
  nodePortRange: z.tuple([z.number().int(), z.number().int()]),
  lbPool: z.string().optional(),
  ingressNode: z.string().optional(),
  createdAt: z.string(),
})

export const NodeSchema = z.object({
  name: z.string(),
  target: TargetSchema,
  podCIDR: z.string(),
  iface: z.string(),
  address: z.string(),
  /** prefix length of the underlay address (host-gw checks that nodes share one L2 network) */
  prefix: z.number().int().optional(),
  mtu: z.number().int(),
  hostname: z.string().optional(),
  ready: z.boolean(),
  reason: z.string().optional(),
  /** while Joining: the mk8s process (on this control machine) that makes the node join */
  pid: z.number().int().optional(),
  joinedAt: z.string(),
})

export const NetnsSchema = z.object({
  node: z.string(),
  name: z.string(),
  createdAt: z.string(),
})

export const NetLinkSchema = z.object({
  kind: z.enum(['veth', 'bridge']),
  node: z.string(),
  /** veth: "a~b"; bridge: the bridge's name */
  name: z.string(),
  members: z.array(z.string()),
  cidr: z.string(),
  createdAt: z.string(),
})

const Labels = z.record(z.string(), z.string())

/** A spec kept as its area validated it when it was applied: the state file stores it, the area's schema shapes it. */
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A pod as mk8s made it. The Kubernetes spec is kept as given (validated by the pod area). */
export const PodSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  node: z.string(),
  /** pod IP; for hostNetwork pods the node's address; none for network "none" */
  ip: z.string().optional(),
  /** pod: own namespace on cni0; host: the node's namespace (hostNetwork); none: only lo */
  network: z.enum(['pod', 'host', 'none']).default('pod'),
  labels: Labels.default({}),
  /** set by `mk8s annotate` (kubectl's metadata.annotations) */
  annotations: Labels.optional(),
  /** v1 PodSpec as applied, validated and defaulted by the pod area (containers, restartPolicy, hostNetwork, ...) */
  spec: z.custom<PodSpec>(isObject),
  /** owning Deployment's name, when made by one */
  owner: z.string().optional(),
  /** the owner's kind: absent for a Deployment (states written before StatefulSets), or StatefulSet */
  ownerKind: z.enum(['StatefulSet']).optional(),
  phase: z.enum(['Pending', 'Running', 'Failed', 'Terminating']),
  /** while Pending: the mk8s process (on this control machine) that is making the pod */
  pid: z.number().int().optional(),
  reason: z.string().optional(),
  /** false while a readinessProbe has not passed (then the pod is no endpoint); absent: ready once Running (pods without a readinessProbe) */
  ready: z.boolean().optional(),
  /** the last readiness probe's outcome, as mk8s saw it when it probed (pod start, doctor) */
  probe: z.object({ok: z.boolean(), at: z.string(), detail: z.string()}).optional(),
  /** host end of the pod's veth on cni0 */
  hostVeth: z.string().optional(),
  pauseId: z.string().optional(),
  containers: z.array(z.object({name: z.string(), id: z.string().optional(), image: z.string()})).default([]),
  /** per container: its environment ("NAME=value"), resolved when the pod was made (ConfigMaps, Secrets, fields) */
  env: z.record(z.string(), z.array(z.string())).optional(),
  createdAt: z.string(),
})

export const DeploymentSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  replicas: z.number().int().min(0),
  selector: Labels,
  labels: Labels.default({}),
  /** set by `mk8s annotate` (kubectl's metadata.annotations) */
  annotations: Labels.optional(),
  /** v1 PodTemplateSpec */
  template: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
})

/** An apps/v1 StatefulSet: pods NAME-0..NAME-(N-1) with stable names and hostnames. */
export const StatefulSetSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  replicas: z.number().int().min(0),
  selector: Labels,
  /** the governing (headless) Service: each pod's spec.subdomain */
  serviceName: z.string().optional(),
  podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).default('OrderedReady'),
  updateStrategy: z.enum(['RollingUpdate', 'OnDelete']).default('RollingUpdate'),
  /** spec.ordinals.start: the first pod's number */
  start: z.number().int().min(0).default(0),
  labels: Labels.default({}),
  /** set by `mk8s annotate` (kubectl's metadata.annotations) */
  annotations: Labels.optional(),
  /** v1 PodTemplateSpec */
  template: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
})

export const ServicePortSchema = z.object({
  name: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP']),
  port: z.number().int(),
  targetPort: z.union([z.number().int(), z.string()]),
  nodePort: z.number().int().optional(),
})

export const ServiceSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']),
  /** an address from the service CIDR, "None" for a headless service, "" for an ExternalName one */
  clusterIP: z.string(),
  ports: z.array(ServicePortSchema),
  selector: Labels.default({}),
  labels: Labels.default({}),
  /** set by `mk8s annotate` (kubectl's metadata.annotations) */
  annotations: Labels.optional(),
  sessionAffinity: z.enum(['None', 'ClientIP']).default('None'),
  externalTrafficPolicy: z.enum(['Cluster', 'Local']).default('Cluster'),
  /** LoadBalancer address from the pool, and the node that announces it */
  loadBalancerIP: z.string().optional(),
  announcedBy: z.string().optional(),
  /** type ExternalName: the DNS name the service stands for (a CNAME; no ClusterIP, no rules) */
  externalName: z.string().optional(),
  /** unset is Cluster; Local: in-cluster traffic to the ClusterIP goes to endpoints on the same node only */
  internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  /** sessionAffinityConfig.clientIP.timeoutSeconds; unset is 10800 */
  sessionAffinityTimeout: z.number().int().optional(),
  /** addresses handled like the ClusterIP on the service's ports (kube-proxy's external IPs) */
  externalIPs: z.array(z.string()).optional(),
  /** LoadBalancer: only these sources reach the LoadBalancer address; others are dropped at the node */
  loadBalancerSourceRanges: z.array(z.string()).optional(),
  /** kept for endpoints and DNS: not-ready pods are published too (unset is false) */
  publishNotReadyAddresses: z.boolean().optional(),
  createdAt: z.string(),
})

/** What the service proxy last programmed on a node: a digest of each service's rules there. */
export const ProxyProgramSchema = z.object({
  mode: z.enum(['iptables', 'nftables']),
  /** "namespace/name" -> digest of that service's rules on this node */
  services: z.record(z.string(), z.string()).default({}),
})

/** A networking.k8s.io/v1 Ingress. The spec is kept as validated by the ingress area. */
export const IngressSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  labels: Labels.default({}),
  annotations: Labels.default({}),
  /** v1 IngressSpec (ingressClassName, defaultBackend, tls, rules) */
  spec: z.custom<IngressSpec>(isObject),
  createdAt: z.string(),
})

/** A v1 Secret; data values are base64, as in Kubernetes. */
export const SecretSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  type: z.string(),
  labels: Labels.default({}),
  /** set by `mk8s annotate` (kubectl's metadata.annotations) */
  annotations: Labels.optional(),
  data: z.record(z.string(), z.string()).default({}),
  createdAt: z.string(),
})

/** A v1 Namespace that was applied; its labels hold kubernetes.io/metadata.name, as Kubernetes sets it. */
export const NamespaceSchema = z.object({
  name: z.string(),
  labels: Labels.default({}),
  uid: z.string(),
  createdAt: z.string(),
})

/** A v1 ConfigMap. */
export const ConfigMapSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  labels: Labels.default({}),
  data: z.record(z.string(), z.string()).default({}),
  createdAt: z.string(),
})

/** A networking.k8s.io/v1 IngressClass (cluster-scoped). */
export const IngressClassSchema = z.object({
  name: z.string(),
  uid: z.string(),
  /** spec.controller: mk8s serves classes of mk8s.io/ingress-nginx (and k8s.io/ingress-nginx) */
  controller: z.string(),
  /** the ingressclass.kubernetes.io/is-default-class annotation is "true" */
  isDefault: z.boolean().default(false),
  labels: Labels.default({}),
  annotations: Labels.default({}),
  createdAt: z.string(),
})

/** A networking.k8s.io/v1 NetworkPolicy. The spec is kept as validated by the netpol area. */
export const NetworkPolicySchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  labels: Labels.default({}),
  annotations: Labels.default({}),
  /** v1 NetworkPolicySpec as applied */
  spec: z.custom<NetpolSpec>(isObject),
  createdAt: z.string(),
})

/** One address of a v1 Endpoints subset (as applied; targetRef kept as given). */
export const EndpointAddressSchema = z.object({
  ip: z.string(),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: z.record(z.string(), z.unknown()).optional(),
})

/** A port of an Endpoints subset or an EndpointSlice: matched to a Service port by name and protocol. */
export const EndpointPortSchema = z.object({
  name: z.string().optional(),
  port: z.number().int(),
  protocol: z.enum(['TCP', 'UDP']),
})

/** A v1 Endpoints object that was applied: the backends of the selectorless Service of its name. */
export const EndpointsSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  labels: Labels.default({}),
  annotations: Labels.optional(),
  subsets: z.array(z.object({
    addresses: z.array(EndpointAddressSchema).default([]),
    /** kept and shown; never given traffic */
    notReadyAddresses: z.array(EndpointAddressSchema).default([]),
    ports: z.array(EndpointPortSchema).default([]),
  })).default([]),
  createdAt: z.string(),
})

/** A discovery.k8s.io/v1 EndpointSlice that was applied: backends of the Service its kubernetes.io/service-name label names. */
export const EndpointSliceSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  labels: Labels.default({}),
  annotations: Labels.optional(),
  addressType: z.literal('IPv4'),
  endpoints: z.array(z.object({
    addresses: z.array(z.string()),
    conditions: z.object({ready: z.boolean().optional(), serving: z.boolean().optional(), terminating: z.boolean().optional()}).optional(),
    hostname: z.string().optional(),
    nodeName: z.string().optional(),
    zone: z.string().optional(),
    targetRef: z.record(z.string(), z.unknown()).optional(),
  })).default([]),
  ports: z.array(EndpointPortSchema).default([]),
  createdAt: z.string(),
})

export const StateSchema = z.object({
  apiVersion: z.literal('mk8s/v1'),
  version: z.number().int(),
  cluster: ClusterSchema.optional(),
  nodes: z.record(z.string(), NodeSchema).default({}),
  netns: z.record(z.string(), NetnsSchema).default({}),
  netlinks: z.record(z.string(), NetLinkSchema).default({}),
  /** keys are "namespace/name" */
  pods: z.record(z.string(), PodSchema).default({}),
  deployments: z.record(z.string(), DeploymentSchema).default({}),
  services: z.record(z.string(), ServiceSchema).default({}),
  /** per node name: what the service proxy programmed there */
  proxy: z.record(z.string(), ProxyProgramSchema).default({}),
  ingresses: z.record(z.string(), IngressSchema).default({}),
  secrets: z.record(z.string(), SecretSchema).default({}),
  /** applied Namespaces, by name; objects may also be in a namespace that was never applied */
  namespaces: z.record(z.string(), NamespaceSchema).default({}),
  /** IngressClasses, by name */
  ingressClasses: z.record(z.string(), IngressClassSchema).default({}),
  /** keys are "namespace/name" */
  networkPolicies: z.record(z.string(), NetworkPolicySchema).default({}),
  configMaps: z.record(z.string(), ConfigMapSchema).default({}),
  /** applied v1 Endpoints, keys "namespace/name" (those of Services with a selector are derived, never stored) */
  endpoints: z.record(z.string(), EndpointsSchema).default({}),
  /** applied EndpointSlices, keys "namespace/name" */
  endpointSlices: z.record(z.string(), EndpointSliceSchema).default({}),
  /** keys are "namespace/name" */
  statefulSets: z.record(z.string(), StatefulSetSchema).default({}),
})

export type State = z.infer<typeof StateSchema>
export type Cluster = z.infer<typeof ClusterSchema>
export type NodeRecord = z.infer<typeof NodeSchema>
export type NetnsRecord = z.infer<typeof NetnsSchema>
export type NetLinkRecord = z.infer<typeof NetLinkSchema>
export type PodRecord = z.infer<typeof PodSchema>
export type DeploymentRecord = z.infer<typeof DeploymentSchema>
export type ServiceRecord = z.infer<typeof ServiceSchema>
export type ServicePort = z.infer<typeof ServicePortSchema>
export type ProxyProgram = z.infer<typeof ProxyProgramSchema>
export type IngressRecord = z.infer<typeof IngressSchema>
export type SecretRecord = z.infer<typeof SecretSchema>
export type NamespaceRecord = z.infer<typeof NamespaceSchema>
export type IngressClassRecord = z.infer<typeof IngressClassSchema>
export type NetworkPolicyRecord = z.infer<typeof NetworkPolicySchema>
export type ConfigMapRecord = z.infer<typeof ConfigMapSchema>
export type EndpointsRecord = z.infer<typeof EndpointsSchema>
export type EndpointSliceRecord = z.infer<typeof EndpointSliceSchema>
export type EndpointPort = z.infer<typeof EndpointPortSchema>
export type StatefulSetRecord = z.infer<typeof StatefulSetSchema>

export const emptyState = (): State => StateSchema.parse({apiVersion: 'mk8s/v1', version: STATE_VERSION})

export const objKey = (namespace: string, name: string): string => `${namespace}/${name}`

/** A node Ready again: no reason, and no joining mk8s's pid. */
export function markReady(n: NodeRecord): NodeRecord {
  n.ready = true
  delete n.reason
  delete n.pid
  return n
}
