/**
 * What a pod is called inside, as kubelet sets it: the hostname (spec.hostname, or the pod's name),
 * the domain when spec.subdomain is set, the /etc/hosts lines (the pod's own address, then
 * spec.hostAliases) and the resolver settings of spec.dnsPolicy with spec.dnsConfig. Pure.
 */
import type {PodDns} from '../dns/resolv.js'
import {podDns} from '../dns/resolv.js'
import type {Cluster, PodRecord} from '../state/schema.js'
import type {PodSpec} from './spec.js'

export interface PodIdentity {
  /** the UTS hostname; undefined for hostNetwork pods (the node's) */
  hostname?: string
  /** subdomain.namespace.svc.cluster-domain, when spec.subdomain is set */
  domainname?: string
  /** Docker's ExtraHosts ("name:ip"), one /etc/hosts line each, in kubelet's order */
  extraHosts: string[]
  /** resolv.conf settings; servers [] means the node's own servers (dnsPolicy Default); undefined: the node's file */
  dns?: PodDns
}

/** resolv.conf for a dnsPolicy: ClusterFirst (the cluster DNS), Default (the node's), None (dnsConfig alone); dnsConfig is merged as kubelet merges it. */
export function podResolver(spec: PodSpec, cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>, namespace: string): PodDns | undefined {
  const policy = spec.dnsPolicy ?? 'ClusterFirst'
  const base: PodDns = policy === 'ClusterFirst' ? podDns(cluster, namespace) : {servers: [], search: [], options: []}
  const cfg = spec.dnsConfig
  if (!cfg && policy === 'Default') return undefined
  const servers = [...new Set([...base.servers, ...(cfg?.nameservers ?? [])])]
  const search = [...new Set([...base.search, ...(cfg?.searches ?? [])])]
  const options = new Map(base.options.map((o) => [o.split(':')[0], o]))
  for (const o of cfg?.options ?? []) options.set(o.name, o.value === undefined ? o.name : `${o.name}:${o.value}`)
  return {servers, search, options: [...options.values()]}
}

export function podIdentity(pod: PodRecord, cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>): PodIdentity {
  const spec = pod.spec
  const aliases = (spec.hostAliases ?? []).flatMap((a) => a.hostnames.map((h) => `${h}:${a.ip}`))
  if (pod.network === 'host') return {extraHosts: aliases}
  const hostname = spec.hostname ?? pod.name
  const domainname = spec.subdomain ? `${spec.subdomain}.${pod.namespace}.svc.${cluster.clusterDomain}` : undefined
  const own = pod.ip ? [...(domainname ? [`${hostname}.${domainname}:${pod.ip}`] : []), `${hostname}:${pod.ip}`] : []
  return {hostname, domainname, extraHosts: [...own, ...aliases], dns: pod.network === 'pod' ? podResolver(spec, cluster, pod.namespace) : undefined}
}
