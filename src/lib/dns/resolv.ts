import type {Cluster} from '../state/schema.js'

/** What a pod's /etc/resolv.conf holds (kubelet's ClusterFirst policy): the cluster DNS, the search path, ndots:5. */
export interface PodDns {
  servers: string[]
  search: string[]
  options: string[]
}

export const podDns = (cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>, namespace: string): PodDns => ({
  servers: [cluster.dnsIP],
  search: [`${namespace}.svc.${cluster.clusterDomain}`, `svc.${cluster.clusterDomain}`, cluster.clusterDomain],
  options: ['ndots:5'],
})
