import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {portForward} from '../lib/kubectl/portforward.js'

export default class PortForward extends BaseCommand<typeof PortForward> {
  static override summary = "Forward local ports to a pod (or a service's pod) over its node's SSH connection, until Ctrl-C"
  static override description = 'As kubectl port-forward: LOCAL:REMOTE, :REMOTE (a free local port) or PORT (the same on both ends). A service forwards to one of its endpoints, its port mapped to that pod\'s target port. The pod network need not be reachable from this machine: the connection goes from the pod\'s node.'
  static override strict = false
  static override usage = ['port-forward pod/NAME|svc/NAME [LOCAL:]REMOTE... [--address 127.0.0.1]']
  static override args = {target: Args.string({description: 'pod/NAME (or NAME), or svc/NAME', required: true})}
  static override examples = [
    '<%= config.bin %> port-forward pod/web 8080:80',
    '<%= config.bin %> port-forward svc/web :80',
    '<%= config.bin %> port-forward web 8080 8443 --address 0.0.0.0',
  ]
  static override flags = {
    address: Flags.string({description: 'the local address to listen on', default: '127.0.0.1'}),
  }

  async run(): Promise<unknown> {
    const {argv} = await this.parse(PortForward)
    process.exitCode = await portForward(this.ctx.store.read(), this.flags.namespace, this.args.target, (argv as string[]).slice(1), this.flags.address, (l) => this.log(l))
    return process.exitCode
  }
}
