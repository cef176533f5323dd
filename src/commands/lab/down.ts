import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {labDown} from '../../lib/lab/service.js'

export default class LabDown extends BaseCommand<typeof LabDown> {
  static override summary = 'Remove the lab: every container, process, mount, namespace, link and rule it made'
  static override examples = ['<%= config.bin %> lab down']
  static override flags = {...dryRunFlag}

  async run(): Promise<unknown> {
    const res = await labDown(this.ctx)
    this.render(res, () => (res.removed.length ? `lab removed (${res.removed.join(', ')})` : 'no lab hosts were present; leftovers cleaned'))
    return res
  }
}
