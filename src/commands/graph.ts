import {Flags} from '@oclif/core'
import {BaseCommand} from '../lib/cli/base.js'
import {clusterGraph, drawGraph, GRAPH_FORMATS} from '../lib/graph/service.js'

export default class Graph extends BaseCommand<typeof Graph> {
  static override summary = 'Draw the cluster: hosts, bridges, pods, tunnels or routes, services and endpoints'
  static override description =
    'Drawn from the state file alone (no host is asked): each node with its underlay address, its cni0 bridge ' +
    '(.1 of its /24) and its pods; between nodes, the VXLAN tunnel of each pair (flannel.1 to flannel.1) or the ' +
    'host-gw routes; services with their ClusterIP and dotted edges to their endpoints (the Running pods their ' +
    "selector picks). SVG is rendered by Graphviz's dot on this machine; dot and mermaid are text."
  static override examples = [
    '<%= config.bin %> graph > cluster.svg',
    '<%= config.bin %> graph --format dot | dot -Tpng > cluster.png',
    '<%= config.bin %> graph --format mermaid',
    '<%= config.bin %> graph -o json | jq ".services[] | {key, endpoints}"',
  ]
  static override flags = {
    format: Flags.option({char: 'f', options: GRAPH_FORMATS, default: 'svg', description: 'svg (through Graphviz), dot or mermaid'})(),
  }

  async run(): Promise<unknown> {
    const state = this.ctx.store.read()
    if (this.flags.output) {
      const graph = clusterGraph(state)
      this.render(graph, () => '')
      return graph
    }
    const text = await drawGraph(state, this.flags.format)
    this.log(text.trimEnd())
    return text
  }
}
