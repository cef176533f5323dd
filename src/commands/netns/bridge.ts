import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {nodeFlag} from '../../lib/cli/flags.js'
import {netnsBridge} from '../../lib/netns/service.js'

export default class NetnsBridge extends BaseCommand<typeof NetnsBridge> {
  static override summary = 'Put namespaces on a Linux bridge holding .1, members on veth ports, default route via the bridge (the "bridge" model)'
  static override examples = ['<%= config.bin %> netns bridge br0 --members red,blue --cidr 10.0.1.0/24', '<%= config.bin %> netns exec red -- ping -c1 10.0.1.3']
  static override args = {bridge: Args.string({description: 'bridge name (15 characters at most)', required: true})}
  static override flags = {
    members: Flags.string({description: 'namespaces to attach, comma-separated', required: true}),
    cidr: Flags.string({description: 'network of the bridge', required: true}),
    ...nodeFlag,
    ...dryRunFlag,
  }

  async run(): Promise<unknown> {
    const members = this.flags.members.split(',').map((m) => m.trim()).filter(Boolean)
    const r = await netnsBridge(this.ctx, this.args.bridge, members, this.flags.cidr, this.flags.node)
    this.render(r.record, () => `bridge ${r.record.name} (${r.record.cidr}) on ${r.record.node}: ${r.record.members.join(', ')}`)
    return r
  }
}
