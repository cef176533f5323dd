import type {Graph, GraphNode, GraphPod} from './model.js'

/** A Graphviz string literal: quotes and backslashes escaped, line breaks as \n. */
export const dotString = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`

const attrs = (a: Record<string, string>): string =>
  `[${Object.entries(a)
    .map(([k, v]) => `${k}=${dotString(v)}`)
    .join(', ')}]`

const COLOURS = {
  host: '#f4f6fb',
  hostBorder: '#8a9bc4',
  down: '#c0392b',
  bridge: '#dde7f7',
  vtep: '#e8dff5',
  tunnel: '#7a4fb5',
  route: '#2c7a7b',
  pod: '#e3f4e1',
  podIdle: '#eeeeee',
  svc: '#fdebd3',
  svcEdge: '#c07a1f',
}

function podLines(p: GraphPod, indent: string, bridge: string): string[] {
  const where = p.network === 'host' ? `${p.ip ?? ''} (host network)` : p.network === 'none' ? 'no network' : p.ip ?? 'no address'
  const phase = p.phase === 'Running' ? '' : `\n${p.phase}`
  const out = [`${indent}${p.id} ${attrs({label: `${p.key}\n${where}${phase}`, shape: 'ellipse', fillcolor: p.phase === 'Running' ? COLOURS.pod : COLOURS.podIdle})};`]
  if (p.network === 'pod' && bridge) out.push(`${indent}${p.id} -> ${bridge} ${attrs({dir: 'none', label: 'veth', fontcolor: '#666666'})};`)
  return out
}

function hostLines(n: GraphNode): string[] {
  const i = '    '
  const label = `${n.name}${n.ready ? '' : ' (NotReady)'}\n${n.address} on ${n.iface}`
  const out = [
    `  subgraph cluster_${n.id} {`,
    `${i}graph ${attrs({label, style: 'rounded,filled', fillcolor: COLOURS.host, color: n.ready ? COLOURS.hostBorder : COLOURS.down})};`,
    `${i}${n.id}_cni0 ${attrs({label: `cni0\n${n.bridge}`, fillcolor: COLOURS.bridge})};`,
  ]
  if (n.vtep) {
    out.push(`${i}${n.id}_vtep ${attrs({label: `flannel.1\n${n.vtep}/32`, fillcolor: COLOURS.vtep})};`)
    out.push(`${i}${n.id}_cni0 -> ${n.id}_vtep ${attrs({dir: 'none', label: 'route', fontcolor: '#666666'})};`)
  }
  for (const p of n.pods) out.push(...podLines(p, i, `${n.id}_cni0`))
  out.push('  }')
  return out
}

/**
 * The graph as Graphviz DOT: one box per host with its bridge, VTEP and pods; tunnels or routes
 * between hosts; services as hexagons with dotted edges to their endpoints.
 */
export function toDot(g: Graph): string {
  const lines = [
    'digraph mk8s {',
    `  graph ${attrs({label: g.title, labelloc: 't', fontname: 'Helvetica', fontsize: '14', compound: 'true', nodesep: '0.3', ranksep: '0.6'})};`,
    `  node ${attrs({fontname: 'Helvetica', fontsize: '10', shape: 'box', style: 'rounded,filled', fillcolor: '#ffffff'})};`,
    `  edge ${attrs({fontname: 'Helvetica', fontsize: '9'})};`,
  ]
  for (const n of g.nodes) lines.push(...hostLines(n))
  for (const p of g.strayPods) lines.push(...podLines(p, '  ', ''))
  for (const l of g.links) {
    lines.push(
      l.kind === 'vxlan'
        ? `  ${l.from}_vtep -> ${l.to}_vtep ${attrs({dir: 'both', constraint: 'false', style: 'dashed', color: COLOURS.tunnel, fontcolor: COLOURS.tunnel, label: l.label})};`
        : `  ${l.from}_cni0 -> ${l.to}_cni0 ${attrs({dir: 'both', constraint: 'false', style: 'dashed', color: COLOURS.route, fontcolor: COLOURS.route, label: l.label})};`,
    )
  }
  for (const s of g.services) {
    const label = `svc ${s.key}\n${s.type} ${s.clusterIP}\n${s.ports}`
    lines.push(`  ${s.id} ${attrs({label, shape: 'hexagon', fillcolor: COLOURS.svc})};`)
    for (const e of s.endpoints) lines.push(`  ${s.id} -> ${e} ${attrs({style: 'dotted', color: COLOURS.svcEdge})};`)
  }
  lines.push('}')
  return `${lines.join('\n')}\n`
}
