import type {State} from '../state/schema.js'
import {toDot} from './dot.js'
import {toMermaid} from './mermaid.js'
import {clusterGraph, type Graph} from './model.js'
import {dotToSvg} from './svg.js'

export const GRAPH_FORMATS = ['svg', 'dot', 'mermaid'] as const
export type GraphFormat = (typeof GRAPH_FORMATS)[number]

export {clusterGraph, type Graph}

/** The picture of the cluster in the given format (SVG through Graphviz on this machine). */
export async function drawGraph(state: State, format: GraphFormat): Promise<string> {
  const g = clusterGraph(state)
  if (format === 'mermaid') return toMermaid(g)
  const dot = toDot(g)
  return format === 'dot' ? dot : dotToSvg(dot)
}
