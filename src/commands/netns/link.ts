import {Args, Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {nodeFlag} from '../../lib/cli/flags.js'
import {netnsLink} from '../../lib/netns/service.js'

export default class NetnsLink extends BaseCommand<typeof NetnsLink> {
  static override summary = 'Join two namespaces with a veth pair: .1 in the first, .2 in the second (the "simple p2p" model)'
  static override examples = ['<%= config.bin %> netns link red blue --cidr 10.0.0.0/30', '<%= config.bin %> netns exec red -- ping -c1 10.0.0.2']
  static override args = {
    a: Args.string({description: 'first namespace', required: true}),
    b: Args.string({description: 'second namespace', required: true}),
  }
  static override flags = {cidr: Flags.string({description: 'network of the pair (a /30 or larger)', required: true}), ...nodeFlag, ...dryRunFlag}

  async run(): Promise<unknown> {
    const r = await netnsLink(this.ctx, this.args.a, this.args.b, this.flags.cidr, this.flags.node)
    this.render(r.record, () => `${r.record.members.join(' <-> ')} ${r.created ? 'linked' : 'already linked'} with ${r.record.cidr} on ${r.record.node}`)
    return r
  }
}
