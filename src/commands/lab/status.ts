import {BaseCommand} from '../../lib/cli/base.js'
import {renderLabStatus} from '../../lib/lab/render.js'
import {labStatus} from '../../lib/lab/service.js'

export default class LabStatus extends BaseCommand<typeof LabStatus> {
  static override summary = 'Show the lab hosts: namespace present, sshd answering, dockerd up, images loaded'
  static override examples = ['<%= config.bin %> lab status', '<%= config.bin %> lab status -o json | jq ".items[].ssh"']

  async run(): Promise<unknown> {
    const status = await labStatus(this.ctx)
    this.render({kind: 'List', items: status}, () => (status.length ? renderLabStatus(status) : 'No lab on this machine: make one with "mk8s lab up".'))
    return status
  }
}
