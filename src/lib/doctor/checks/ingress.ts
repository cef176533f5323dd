import {ingressStopPlan, ingressSyncPlan} from '../../ingress/plan.js'
import {confOn, serves} from '../../ingress/node.js'
import type {Check, Finding} from '../model.js'

/**
 * The ingress controller against the state: on the ingress node (while there is an Ingress) nginx
 * runs with the configuration the state renders; on every other node it does not run.
 */
export const ingressChecks: Check = ({state, extras}) => {
  if (!state.cluster) return []
  const out: Finding[] = []
  for (const [name, x] of extras) {
    const node = state.nodes[name]
    if (!node || !x.ingress) continue
    if (serves(state, name)) {
      const want = confOn(state, node)
      if (!x.ingress.running || x.ingress.conf?.trimEnd() !== want.conf.trimEnd()) {
        out.push({id: 'ingress-config-stale', severity: 'error', node: name, object: 'nginx', evidence: !x.ingress.running ? 'the ingress controller (nginx) does not run' : x.ingress.conf === undefined ? 'its configuration is gone' : "its configuration is not the one the state's Ingresses give", fix: "write the state's configuration, check it, reload (or start) nginx", safe: true, plan: ingressSyncPlan(want)})
      }
    } else if (x.ingress.running) {
      out.push({id: 'ingress-stray', severity: 'warning', node: name, object: 'nginx', evidence: 'mk8s\'s nginx runs on a node that is not the ingress node, or with no Ingress left', fix: 'stop it and remove its files', safe: true, plan: ingressStopPlan()})
    }
  }
  return out
}
