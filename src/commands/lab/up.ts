import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {renderLabStatus} from '../../lib/lab/render.js'
import {labUp} from '../../lib/lab/service.js'

export default class LabUp extends BaseCommand<typeof LabUp> {
  static override summary = 'Turn this machine into N hosts: node1..N on 192.168.56.0/24, each with its own sshd and dockerd'
  static override description = `Each host is a network namespace with its own mount and UTS namespaces, hostname, private /run,
sshd (key-only, with a key and known_hosts the lab makes) and dockerd, on the underlay bridge mk8s-lab0
(this machine is 192.168.56.1, the hosts .11, .12, ...). The images mk8s/busybox and mk8s/pause are
built on every host from this machine's static busybox. Running it again changes nothing.`
  static override examples = ['<%= config.bin %> lab up', '<%= config.bin %> lab up --nodes 2', '<%= config.bin %> lab up --dry-run']
  static override flags = {
    nodes: Flags.integer({description: 'how many hosts', default: 3}),
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const status = await labUp(this.ctx, this.flags.nodes)
    this.render({kind: 'List', items: status}, () => renderLabStatus(status))
    return status
  }
}
