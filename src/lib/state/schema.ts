import {z} from 'zod'

export const STATE_VERSION = 1

export const TargetSchema = z.discriminatedUnion('kind', [
  z.object({kind: z.literal('local')}),
  z.object({kind: z.literal('ssh'), user: z.string(), host: z.string(), port: z.number().int()}),
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
  mtu: z.number().int(),
  hostname: z.string().optional(),
  ready: z.boolean(),
  reason: z.string().optional(),
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

export const StateSchema = z.object({
  apiVersion: z.literal('mk8s/v1'),
  version: z.number().int(),
  cluster: ClusterSchema.optional(),
  nodes: z.record(z.string(), NodeSchema).default({}),
  netns: z.record(z.string(), NetnsSchema).default({}),
  netlinks: z.record(z.string(), NetLinkSchema).default({}),
})

export type State = z.infer<typeof StateSchema>
export type Cluster = z.infer<typeof ClusterSchema>
export type NodeRecord = z.infer<typeof NodeSchema>
export type NetnsRecord = z.infer<typeof NetnsSchema>
export type NetLinkRecord = z.infer<typeof NetLinkSchema>

export const emptyState = (): State => ({apiVersion: 'mk8s/v1', version: STATE_VERSION, nodes: {}, netns: {}, netlinks: {}})
