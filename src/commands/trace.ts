import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {renderTrace} from '../lib/trace/render.js'
import {trace} from '../lib/trace/service.js'

export default class Trace extends BaseCommand<typeof Trace> {
  static override summary = 'Follow a packet through the real state of every host on its way; exit 1 where the path breaks'
  static override description = `FROM and TO are pod/NAME (pod/NAMESPACE/NAME for another namespace), node/NAME, svc/NAME[:PORT] or IP[:PORT] (FROM is a pod or a node); a port is TCP unless written PORT/udp (a service port: its own protocol, or the one written). Each hop (the pod's eth0 and route, its veth and cni0, the service rules with every endpoint and its probability, each node's route and FORWARD chain, the VXLAN encapsulation with its outer addresses, VNI and port or the host-gw next hop, decapsulation, the far cni0, veth and pod) is read from the hosts at the time of the call. When NetworkPolicies exist, a policy hop names the verdict for the pod after DNAT: the policies that isolate the source for egress and the destination for ingress, and the rule that allows the packet or that none does (under --probe, confirmed by the policies' drop counters). With --probe, real traffic is sent from FROM (a ping, a TCP connection, or two UDP datagrams for a UDP port) and every hop is confirmed by kernel counters (rule packet counters, interface counters) read before and after.

Exit codes: 0 the path works, 1 it breaks (the host, the hop and the likely cause are named), 2 bad input.`
  static override examples = [
    '<%= config.bin %> trace pod/client pod/web',
    '<%= config.bin %> trace pod/client svc/web:80 --probe',
    '<%= config.bin %> trace pod/client pod/x/dns:53/udp --probe',
    '<%= config.bin %> trace node/node1 10.244.2.5 -o json | jq .broken',
  ]
  static override args = {
    from: Args.string({description: 'pod/NAME, node/NAME or IP', required: true}),
    to: Args.string({description: 'pod/NAME, node/NAME, svc/NAME[:PORT] or IP[:PORT], a port written PORT/udp for UDP', required: true}),
  }
  static override flags = {
    probe: Flags.boolean({description: 'send real traffic and confirm each hop with kernel counters', default: false}),
  }

  async run(): Promise<unknown> {
    const r = await trace(this.ctx, this.args.from, this.args.to, {probe: this.flags.probe})
    this.render(r, () => renderTrace(r))
    return r
  }
}
