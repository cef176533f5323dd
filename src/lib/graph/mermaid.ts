import type {Graph, GraphPod} from './model.js'

/** A Mermaid label: quoted, quotes and angle brackets as entities, line breaks as <br/>. */
export const mermaidString = (s: string): string =>
  `"${s.replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;').replaceAll('\n', '<br/>')}"`

function podLines(p: GraphPod, indent: string, bridge?: string): string[] {
  const where = p.network === 'host' ? `${p.ip ?? ''} (host network)` : p.network === 'none' ? 'no network' : p.ip ?? 'no address'
  const out = [`${indent}${p.id}([${mermaidString(`${p.key}\n${where}${p.phase === 'Running' ? '' : `\n${p.phase}`}`)}])`]
  if (bridge && p.network === 'pod') out.push(`${indent}${p.id} ---|veth| ${bridge}`)
  return out
}

/** The graph as a Mermaid flowchart (for Markdown pages that render Mermaid). */
export function toMermaid(g: Graph): string {
  const lines = ['---', `title: ${JSON.stringify(g.title)}`, '---', 'flowchart TB']
  for (const n of g.nodes) {
    lines.push(`  subgraph ${n.id}[${mermaidString(`${n.name}${n.ready ? '' : ' (NotReady)'}: ${n.address} on ${n.iface}`)}]`)
    lines.push(`    ${n.id}_cni0[${mermaidString(`cni0\n${n.bridge}`)}]`)
    if (n.vtep) lines.push(`    ${n.id}_vtep[${mermaidString(`flannel.1\n${n.vtep}/32`)}]`, `    ${n.id}_cni0 --- ${n.id}_vtep`)
    for (const p of n.pods) lines.push(...podLines(p, '    ', `${n.id}_cni0`))
    lines.push('  end')
  }
  for (const p of g.strayPods) lines.push(...podLines(p, '  '))
  for (const l of g.links) {
    const end = l.kind === 'vxlan' ? 'vtep' : 'cni0'
    lines.push(`  ${l.from}_${end} -.-|${mermaidString(l.label)}| ${l.to}_${end}`)
  }
  for (const s of g.services) {
    lines.push(`  ${s.id}{{${mermaidString(`svc ${s.key}\n${s.type} ${s.clusterIP}\n${s.ports}`)}}}`)
    for (const e of s.endpoints) lines.push(`  ${s.id} -.-> ${e}`)
  }
  return `${lines.join('\n')}\n`
}
