import {Flags} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {table} from '../../lib/cli/table.js'
import {syncServices} from '../../lib/svc/service.js'

export default class SvcSync extends BaseCommand<typeof SvcSync> {
  static override summary = "Program every node's service rules from the state (--full: rewrite them all, to repair)"
  static override description = `Without --full, what the hosts missed is programmed: nodes that were unreachable or failed
a change are written whole (changes are already applied by the commands that make them). With --full
every node's KUBE-* chains (iptables) or table ip mk8s (nftables) are rewritten from the state in one
transaction, and chains no service wants are deleted.`
  static override examples = ['<%= config.bin %> svc sync', '<%= config.bin %> svc sync --full', '<%= config.bin %> svc sync --full --dry-run']
  static override flags = {full: Flags.boolean({description: 'rewrite every rule on every node', default: false}), ...dryRunFlag}

  async run(): Promise<unknown> {
    const r = await syncServices(this.ctx, this.flags.full)
    const steps = (x: (typeof r)[number]) => x.areas.find((a) => a.area === 'services')?.steps ?? 0
    this.render({kind: 'List', items: r}, () => (r.length ? table(['node', 'sync', 'service steps'], r.map((x) => [x.node, x.full ? 'full' : 'incremental', steps(x)])) : 'Nothing to program: every node is up to date.'))
    return r
  }
}
