import {table} from '../cli/table.js'
import type {TraceResult} from './model.js'

const pct = (p: number) => `${Math.round(p * 1000) / 10}%`

/** The path as a table for people, then the candidates and the verdict. */
export function renderTrace(r: TraceResult): string {
  const rows = r.hops.map((h, i) => {
    let status = h.ok ? 'ok' : `BROKEN: ${h.cause ?? ''}`
    if (h.probe) status += h.probe.seen ? ` (seen: ${h.probe.evidence})` : ` (not seen: ${h.probe.evidence})`
    return [i + 1, h.host, h.kind, h.what, h.detail, status]
  })
  const out = [`${r.from} -> ${r.to} (${r.protocol})`, table(['hop', 'host', 'what', 'where', 'detail', 'status'], rows)]
  if (r.candidates?.length) {
    out.push('', 'service endpoints the rules may choose:')
    out.push(table(['endpoint', 'node', 'probability', 'masquerade'], r.candidates.map((c) => [c.endpoint, c.node ?? '-', pct(c.probability), c.masquerade ? 'yes' : 'no'])))
  }
  if (r.probe) out.push('', r.probe.command ? `probe: ${r.probe.command} -> exit ${r.probe.exitCode}` : `probe: ${r.probe.output}`)
  out.push('', r.ok ? 'path works' : `path broken on ${r.broken!.host} at ${r.broken!.hop}: ${r.broken!.cause}`)
  return out.join('\n')
}
