import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {renderLabStatus} from '../../lib/lab/render.js'
import {labUp} from '../../lib/lab/service.js'

export default class LabUp extends BaseCommand<typeof LabUp> {
  static override summary = 'Turn this machine into N hosts: node1..N on 192.168.56.0/24, each with its own sshd and dockerd'
  static override description = `Each host is a network namespace with its own mount and UTS namespaces, hostname, private /run,
sshd (key-only, with a key and known_hosts the lab makes) and dockerd, on the underlay bridge mk8s-lab0
(this machine is 192.168.56.1, the hosts .11, .12, ...). The images mk8s/busybox and mk8s/pause are
built on every host from this machine's static busybox. Running it again changes nothing.

Hosts as real ones come: --user NAME makes every host's SSH login that user, with passwordless sudo
(root cannot log in), and --firewall NODE=ufw enables ufw on that host (default deny incoming and
routed, SSH allowed), NODE=docker runs its dockerd with its own iptables rules and docker0 bridge.
Users, sudoers and ufw's files are per-host copies: this machine's own are never changed.`
  static override examples = [
    '<%= config.bin %> lab up',
    '<%= config.bin %> lab up --nodes 2',
    '<%= config.bin %> lab up --user admin --firewall node2=ufw --firewall node3=docker',
    '<%= config.bin %> lab up --dry-run',
  ]
  static override flags = {
    nodes: Flags.integer({description: 'how many hosts', default: 3}),
    user: Flags.string({description: 'log in to every host as this user, with passwordless sudo, instead of root'}),
    firewall: Flags.string({description: 'a firewall on a host: NODE=ufw or NODE=docker (repeatable)', multiple: true}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const status = await labUp(this.ctx, this.flags.nodes, {user: this.flags.user, firewall: this.flags.firewall})
    this.render({kind: 'List', items: status}, () => renderLabStatus(status))
    return status
  }
}
