import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {nodeJoin} from '../../lib/node/service.js'
import {renderNodes} from '../../lib/node/render.js'
import {toV1Node} from '../../lib/node/service.js'

export default class NodeJoin extends BaseCommand<typeof NodeJoin> {
  static override summary = 'Add a host to the cluster: preflight, its /24, the cni0 bridge, forwarding, the overlay'
  static override description = `Checks the host first (tools, kernel features, Docker) and reports what is missing. Then allocates the
node's pod subnet, creates cni0 holding its .1, turns on ip_forward, and wires the node to every other node.
The underlay interface is the one holding the address mk8s reaches the host by; --iface/--address override
it (on Vagrant boxes the default route's NAT interface is the wrong one). Joining twice changes nothing.`
  static override examples = [
    '<%= config.bin %> node join node1 --ssh root@192.168.56.11',
    '<%= config.bin %> node join edge --ssh admin@10.0.0.5:2222 --iface eth1',
    '<%= config.bin %> node join control --local',
  ]
  static override args = {name: Args.string({description: 'node name (DNS-1123 label)', required: true})}
  static override flags = {
    ssh: Flags.string({description: 'reach the host over SSH as USER@HOST[:PORT] (your ~/.ssh/config, agent and known_hosts apply)'}),
    local: Flags.boolean({description: 'the host is this machine', default: false}),
    iface: Flags.string({description: 'underlay interface (default: the one holding the SSH address)'}),
    address: Flags.string({description: 'underlay address (default: the SSH address)'}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const n = await nodeJoin(this.ctx, this.args.name, {ssh: this.flags.ssh, local: this.flags.local, iface: this.flags.iface, address: this.flags.address})
    this.render(toV1Node(n), () => renderNodes([n], false))
    return n
  }
}
