import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {renderCluster} from '../../lib/cluster/render.js'
import {clusterInit} from '../../lib/cluster/service.js'

export default class ClusterInit extends BaseCommand<typeof ClusterInit> {
  static override summary = 'Create the cluster: pod and service networks, overlay backend, proxy mode, pod driver'
  static override description = `Records the cluster's settings in the state file; nodes join it afterwards with 'mk8s node join'.
Defaults follow Kubernetes, flannel and kube-proxy: pods in 10.244.0.0/16 (a /24 per node, cni0 holds .1),
services in 10.96.0.0/12 with DNS at 10.96.0.10, VXLAN overlay (flannel.1, VNI 1, UDP 8472), iptables proxy.
Running it again with the same settings changes nothing; other settings need 'mk8s cluster reset' first.`
  static override examples = [
    '<%= config.bin %> cluster init',
    '<%= config.bin %> cluster init --backend host-gw --proxy-mode nftables',
    '<%= config.bin %> cluster init --pod-cidr 10.200.0.0/16 --service-cidr 10.100.0.0/16 --driver cni',
  ]
  static override flags = {
    'pod-cidr': Flags.string({description: 'network of all pods; each node gets a /24 [default: 10.244.0.0/16]'}),
    'service-cidr': Flags.string({description: 'network of ClusterIPs [default: 10.96.0.0/12]'}),
    backend: Flags.option({options: ['vxlan', 'host-gw'] as const, description: 'how pods on different nodes reach each other [default: vxlan]'})(),
    'proxy-mode': Flags.option({options: ['iptables', 'nftables'] as const, description: 'how services are programmed [default: iptables]'})(),
    driver: Flags.option({options: ['ip', 'cni'] as const, description: 'who wires pod networks: iproute2 steps, or the standard CNI plugins [default: ip]'})(),
    'cluster-domain': Flags.string({description: 'DNS domain of the cluster [default: cluster.local]'}),
    'dns-ip': Flags.string({description: 'address of the DNS service [default: the 10th of the service CIDR]'}),
    'node-port-range': Flags.string({description: 'range of NodePorts [default: 30000-32767]'}),
    'lb-pool': Flags.string({description: 'CIDR that LoadBalancer addresses come from [default: inside the underlay network]'}),
    'ingress-node': Flags.string({description: 'node that runs the ingress controller [default: the first node]'}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const f = this.flags
    const res = await clusterInit(this.ctx, {
      podCIDR: f['pod-cidr'], serviceCIDR: f['service-cidr'], backend: f.backend, proxyMode: f['proxy-mode'], driver: f.driver,
      clusterDomain: f['cluster-domain'], dnsIP: f['dns-ip'], nodePortRange: f['node-port-range'], lbPool: f['lb-pool'], ingressNode: f['ingress-node'],
    })
    this.render(res.cluster, () => `${res.created ? 'cluster created' : 'cluster already exists with these settings'}\n${renderCluster(res.cluster)}\nnext: mk8s node join NAME --ssh root@HOST`)
    return res
  }
}
