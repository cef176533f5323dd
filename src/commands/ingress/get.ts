import {Args} from '@oclif/core'
import {BaseCommand} from '../../lib/cli/base.js'
import {renderIngresses, renderIngressRules} from '../../lib/ingress/render.js'
import {requireIngress} from '../../lib/ingress/service.js'
import {ingressAddress, toV1Ingress} from '../../lib/ingress/v1.js'
import {ingressProblems, served} from '../../lib/ingress/classes.js'

export default class IngressGet extends BaseCommand<typeof IngressGet> {
  static override summary = 'Show one ingress and its rules, and whether nginx serves it (a networking.k8s.io/v1 Ingress with -o json)'
  static override description = 'An Ingress of a class that is not mk8s\'s has no ADDRESS and is reported as not served; a TLS section whose Secret is missing or not of type kubernetes.io/tls is reported as not terminated.'
  static override examples = ['<%= config.bin %> ingress get test', '<%= config.bin %> ingress get test -o json | jq -r ".status.loadBalancer.ingress[0].ip"']
  static override args = {name: Args.string({description: 'ingress name', required: true})}

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    const ing = requireIngress(state, this.flags.namespace, this.args.name)
    const problems = ingressProblems(state, ing)
    const address = served(state, ing) ? ingressAddress(state) : undefined
    this.render(toV1Ingress(ing, address), () => `${renderIngresses([ing], address)}\n\n${renderIngressRules(ing)}${problems.map((p) => `\nwarning: ${p}`).join('')}`)
    return ing
  }
}
