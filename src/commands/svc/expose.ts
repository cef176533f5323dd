import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {exposeService} from '../../lib/svc/service.js'
import {portsText, toV1Service} from '../../lib/svc/v1.js'

export default class SvcExpose extends BaseCommand<typeof SvcExpose> {
  static override summary = 'Make a service for a pod or deployment, selecting what it selects (kubectl expose)'
  static override description = `The selector is the pod's labels or the deployment's selector. The ClusterIP comes from the
service CIDR, a NodePort from the NodePort range, a LoadBalancer address from the pool; every node's
rules (iptables or nftables, as the cluster says) are updated in the same command.`
  static override examples = [
    '<%= config.bin %> svc expose deployment/web --port 80',
    '<%= config.bin %> svc expose pod/web --port 8080 --target-port 80 --type NodePort --node-port 30080',
    '<%= config.bin %> svc expose deployment/web --port 80 --type LoadBalancer --name web-lb',
    '<%= config.bin %> svc expose deployment/dns --port 53 --protocol UDP',
  ]
  static override args = {resource: Args.string({description: 'pod/NAME or deployment/NAME', required: true})}
  static override flags = {
    port: Flags.integer({description: 'port the service listens on [default: the only container port]', min: 1, max: 65535}),
    'target-port': Flags.string({description: 'container port (number or name) traffic goes to [default: --port]'}),
    type: Flags.option({options: ['ClusterIP', 'NodePort', 'LoadBalancer'] as const, description: 'service type [default: ClusterIP]'})(),
    name: Flags.string({description: 'service name [default: the resource name]'}),
    protocol: Flags.option({options: ['TCP', 'UDP'] as const, description: 'protocol [default: TCP]'})(),
    'node-port': Flags.integer({description: 'NodePort to use (NodePort/LoadBalancer) [default: the lowest free one]'}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const f = this.flags
    const r = await exposeService(this.ctx, {resource: this.args.resource, port: f.port, targetPort: f['target-port'], type: f.type, name: f.name, protocol: f.protocol, nodePort: f['node-port']})
    const s = r.service
    this.render(toV1Service(s), () => `service/${s.name} ${r.action === 'created' ? 'exposed' : r.action} (${s.type} ${s.clusterIP} ${portsText(s)}${s.loadBalancerIP ? `, LoadBalancer ${s.loadBalancerIP} announced by ${s.announcedBy}` : ''})`)
    return r
  }
}
