import {Args} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {table} from '../../lib/cli/table.js'
import {nodeRepair} from '../../lib/node/service.js'

export default class NodeRepair extends BaseCommand<typeof NodeRepair> {
  static override summary = 'Program a node wholly from the state, as if it had just rebooted'
  static override description = `Brings back everything mk8s made on the node: forwarding and the cni0 bridge, the VXLAN
device or host-gw routes to every peer, the egress rules, every service rule, the DNS and ingress
files and daemons, host ports, and every pod whose containers or namespace are gone, started again
from its recorded spec with the same name and address (as kubelet restarts a dead sandbox). Pods
that still run keep running. Use it after a reboot, a wipe, or a node that was unreachable.`
  static override examples = ['<%= config.bin %> node repair node2', '<%= config.bin %> node repair node2 --dry-run   # the whole script, and the docker commands']
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {...dryRunFlag}

  async run(): Promise<unknown> {
    const r = await nodeRepair(this.ctx, this.args.name)
    this.render(r, () => [
      `node ${r.node} repaired${r.restarted.length ? `; pods started again: ${r.restarted.join(', ')}` : ''}`,
      table(['node', 'script', 'steps by area'], r.reports.map((x) => [x.node, x.full ? 'whole' : x.leaving ? 'leaving' : 'changes', x.areas.map((a) => `${a.area} ${a.steps}`).join(', ') || '-'])),
    ].join('\n'))
    return r
  }
}
