import {table} from '../cli/table.js'
import type {DoctorReport} from './model.js'

export function renderDoctor(r: DoctorReport): string {
  const out: string[] = []
  if (r.findings.length === 0) out.push('no findings: the nodes hold what the state says')
  else {
    out.push(table(['severity', 'node', 'id', 'object', 'evidence', 'fix', 'safe'], r.findings.map((f) => [f.severity, f.node ?? '-', f.id, f.object, f.evidence, f.fix, f.safe ? 'yes' : 'no'])))
  }
  if (r.fixed) out.push('', r.fixed.length ? `fixed: ${r.fixed.join('; ')}` : 'fixed: nothing')
  if (r.left?.length) out.push(`left to you: ${r.left.join('; ')}`)
  for (const n of r.notes) out.push(`note: ${n}`)
  if (!r.fixed && r.findings.some((f) => f.safe)) out.push('', "run 'mk8s doctor --fix' to apply the fixes marked safe")
  return out.join('\n')
}
