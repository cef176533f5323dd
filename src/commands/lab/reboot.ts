import {Args} from '@oclif/core'
import {BaseCommand, dryRunFlag} from '../../lib/cli/base.js'
import {labReboot} from '../../lib/lab/service.js'

export default class LabReboot extends BaseCommand<typeof LabReboot> {
  static override summary = 'Do to a lab host what a reboot does: every process ended, its network made anew, sshd, dockerd and its boot script started again'
  static override description = `Every process of the host ends (its containers stop, and stay, as on a disk), its network namespace is
removed and made again (no cni0, no flannel.1, no rules, no routes), sshd and dockerd start again, and then
/var/lib/mk8s/boot.sh runs as its systemd unit would (no environment but PATH, from /). The host's folders
(Docker's, /var/lib/cni, /var/lib/mk8s) are its disk and stay.`
  static override examples = ['<%= config.bin %> lab reboot node2', '<%= config.bin %> lab reboot node2 && mk8s doctor']
  static override args = {name: Args.string({description: 'the lab host, e.g. node2', required: true})}
  static override flags = {...dryRunFlag}

  async run(): Promise<unknown> {
    const res = await labReboot(this.ctx, this.args.name)
    this.render(res, () => `${res.name} rebooted (${res.boot})`)
    return res
  }
}
