/** Defaults follow Kubernetes, flannel and kube-proxy (see DESIGN.md). */
export const DEFAULTS = {
  podCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  backend: 'vxlan',
  proxyMode: 'iptables',
  driver: 'ip',
  clusterDomain: 'cluster.local',
  nodePortRange: [30000, 32767] as [number, number],
  bridge: 'cni0',
  nodeSubnetBits: 24,
} as const
