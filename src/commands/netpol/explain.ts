import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {explain, resolveEnd} from '../../lib/netpol/explain.js'
import {renderExplanation} from '../../lib/netpol/render.js'

export default class NetpolExplain extends BaseCommand<typeof NetpolExplain> {
  static override summary = 'Would a connection from A to B be allowed? Which NetworkPolicies isolate each end, and which rule allows it (no traffic sent)'
  static override description = `Evaluates the policies of the state for a new connection: the egress of FROM (the policies that select it for Egress, and the first rule that allows the destination and port), then the ingress of TO. A pod of another namespace than -n is written pod/NAMESPACE/NAME. Traffic from a pod's own node is always allowed, and a pod reaching itself is not judged.

Exit codes: 0 allowed, 1 dropped, 2 bad input.`
  static override examples = [
    '<%= config.bin %> netpol explain pod/a pod/b --port 80 -n x',
    '<%= config.bin %> netpol explain pod/x/a pod/y/b --port 53 --protocol UDP',
    '<%= config.bin %> netpol explain pod/x/a 192.168.56.1 --port 443 -o json | jq .egress.reason',
  ]
  static override args = {
    from: Args.string({description: 'pod/NAME, pod/NAMESPACE/NAME, node/NAME or IP', required: true}),
    to: Args.string({description: 'pod/NAME, pod/NAMESPACE/NAME, node/NAME or IP', required: true}),
  }
  static override flags = {
    port: Flags.integer({description: 'destination port', required: true, min: 1, max: 65535}),
    protocol: Flags.option({options: ['TCP', 'UDP', 'SCTP'] as const, description: 'protocol', default: 'TCP'})(),
  }

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const from = resolveEnd(state, this.flags.namespace, this.args.from)
    const to = resolveEnd(state, this.flags.namespace, this.args.to)
    const e = explain(state, from, to, this.flags.protocol, this.flags.port, {from: this.args.from, to: this.args.to})
    this.render(e, () => renderExplanation(e))
    return {...e, ok: e.allowed}
  }
}
