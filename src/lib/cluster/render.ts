import type {Cluster} from '../state/schema.js'

export const renderCluster = (c: Cluster): string =>
  [
    ['pod CIDR', c.podCIDR],
    ['service CIDR', c.serviceCIDR],
    ['backend', c.backend],
    ['proxy mode', c.proxyMode],
    ['pod driver', c.driver],
    ['cluster domain', c.clusterDomain],
    ['DNS address', c.dnsIP],
    ['NodePort range', c.nodePortRange.join('-')],
    ...(c.lbPool ? [['LoadBalancer pool', c.lbPool]] : []),
    ...(c.ingressNode ? [['ingress node', c.ingressNode]] : []),
  ]
    .map(([k, v]) => `  ${`${k}:`.padEnd(20)}${v}`)
    .join('\n')
