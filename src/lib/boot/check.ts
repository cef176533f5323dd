import {BOOT_SCRIPT, bootInstallPlan, bootScript} from './plan.js'
import {bootParts} from '../pipeline/plan.js'
import {AREA_ORDER} from '../pipeline/types.js'
import {expectedServicesFiles, servicesFilesPlan} from '../svc/sync.js'
import type {Check, Finding} from '../doctor/model.js'

const some = (l: string[]) => l.slice(0, 3).join(', ') + (l.length > 3 ? ', ...' : '')
const differing = (want: Readonly<Record<string, string>>, have: Readonly<Record<string, string>>) =>
  [...new Set([...Object.keys(want), ...Object.keys(have)])].filter((n) => want[n] !== have[n]).sort()

/**
 * What each node would come back to after a reboot: its boot script, the script's parts and the
 * services' files it restores from, against the state (a node programmed by an older mk8s, a file
 * lost or edited). The fix writes them afresh; nothing else on the node changes. (A check of
 * doctor's, kept beside the boot script: it asks the pipeline for the parts, a layer above doctor's own checks.)
 */
export const bootChecks: Check = ({state, extras}) => {
  if (!state.cluster) return []
  const out: Finding[] = []
  for (const [name, x] of extras) {
    const node = state.nodes[name]
    if (!x.boot || !node) continue
    const parts = bootParts(state, node)
    const files = expectedServicesFiles(state, node)
    const wrong = [
      x.boot.script === bootScript(AREA_ORDER) ? '' : x.boot.script === undefined ? `${BOOT_SCRIPT} is missing` : `${BOOT_SCRIPT} differs`,
      ...[differing(Object.fromEntries(Object.entries(parts).map(([a, b]) => [`${a}.sh`, b])), x.boot.parts ?? {})].filter((l) => l.length).map((l) => `parts ${some(l)} differ from the state`),
      ...[differing(files, x.boot.services ?? {})].filter((l) => l.length).map((l) => `${l.length} services' files differ (${some(l)})`),
    ].filter(Boolean)
    if (!wrong.length) continue
    out.push({
      id: 'boot-script-stale',
      severity: 'warning',
      node: name,
      object: BOOT_SCRIPT,
      evidence: `after a reboot this node would not come back as the state says: ${wrong.join('; ')}`,
      fix: 'write the boot script, its parts and the services\' files from the state',
      safe: true,
      plan: [...bootInstallPlan(parts, AREA_ORDER), ...servicesFilesPlan(files)],
    })
  }
  return out
}
