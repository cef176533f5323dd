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
it (on Vagrant boxes the default route's NAT interface is the wrong one). Joining twice changes nothing.

--ssh takes USER@HOST[:PORT] or a Host alias of your SSH configuration (~/.ssh/config, or --ssh-config FILE):
an alias is handed to OpenSSH as it is, so its User, Port, IdentityFile and ProxyJump apply (ssh -G ALIAS
shows what it resolves to). Host keys are checked as ssh checks them: an unknown key is refused (exit 3)
with how to add it. A user who is not root reaches the host through sudo: each round trip's script runs under
'sudo -n' (and Docker through the same privilege); without passwordless sudo, join says which sudoers line
would do (exit 2). mk8s keeps its own SSH connections under ~/.mk8s/ssh and never writes to ~/.ssh.`
  static override examples = [
    '<%= config.bin %> node join node1 --ssh root@192.168.56.11',
    '<%= config.bin %> node join edge --ssh admin@10.0.0.5:2222 --iface eth1',
    '<%= config.bin %> node join control --local',
    '<%= config.bin %> node join web1 --ssh admin@203.0.113.7 --identity ~/.ssh/id_ed25519   # sudo, since admin is not root',
    '<%= config.bin %> node join web2 --ssh web2 --ssh-config ./ssh_config   # a Host alias, e.g. with ProxyJump bastion',
  ]
  static override args = {name: Args.string({description: 'node name (DNS-1123 label)', required: true})}
  static override flags = {
    ssh: Flags.string({description: 'reach the host over SSH: USER@HOST[:PORT], or a Host alias of your SSH configuration (your agent and known_hosts apply)'}),
    'ssh-config': Flags.string({description: 'SSH configuration file instead of ~/.ssh/config (ssh -F FILE)'}),
    identity: Flags.string({description: 'private key to log in with (ssh -i FILE, only that key is offered)'}),
    sudo: Flags.boolean({description: 'run every host script under sudo -n (default: on when the SSH user is not root)', allowNo: true}),
    local: Flags.boolean({description: 'the host is this machine', default: false}),
    iface: Flags.string({description: 'underlay interface (default: the one holding the SSH address)'}),
    address: Flags.string({description: 'underlay address (default: the SSH address)'}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const n = await nodeJoin(this.ctx, this.args.name, {ssh: this.flags.ssh, local: this.flags.local, sshConfig: this.flags['ssh-config'], identity: this.flags.identity, sudo: this.flags.sudo, iface: this.flags.iface, address: this.flags.address})
    this.render(toV1Node(n), () => renderNodes([n], false))
    return n
  }
}
