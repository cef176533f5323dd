import {describe, expect, it} from 'vitest'
import {dotString, toDot} from '../../src/lib/graph/dot.js'
import {mermaidString, toMermaid} from '../../src/lib/graph/mermaid.js'
import {clusterGraph} from '../../src/lib/graph/model.js'
import {emptyState} from '../../src/lib/state/schema.js'
import {sampleState} from './fixtures.js'

describe('graph', () => {
  it('picks endpoints: Running pods of the namespace whose labels match the selector', () => {
    const g = clusterGraph(sampleState())
    const keyOf = (id: string) => [...g.nodes.flatMap((n) => n.pods), ...g.strayPods].find((p) => p.id === id)?.key
    expect(g.services.map((s) => [s.key, s.endpoints.map(keyOf)])).toEqual([
      ['default/web', ['default/web-abc-1', 'default/web-abc-2']],
      ['default/web-np', ['default/web-abc-1', 'default/web-abc-2']],
    ])
  })

  it('links each pair of nodes once, and shows pods whose node left on their own', () => {
    const s = sampleState()
    s.nodes.node3 = {...s.nodes.node2, name: 'node3', podCIDR: '10.244.3.0/24', address: '192.168.56.13'}
    s.pods['default/orphan'] = {...s.pods['default/client'], name: 'orphan', node: 'gone'}
    const g = clusterGraph(s)
    expect(g.links.map((l) => `${l.from}-${l.to}`)).toEqual(['node0-node1', 'node0-node2', 'node1-node2'])
    expect(g.strayPods.map((p) => p.key)).toEqual(['default/orphan'])
  })

  it('draws host-network and no-network pods without a veth to cni0', () => {
    const s = sampleState()
    s.pods['default/client'] = {...s.pods['default/client'], network: 'host', ip: '192.168.56.11'}
    s.pods['default/late'] = {...s.pods['default/late'], network: 'none', ip: undefined}
    const dot = toDot(clusterGraph(s))
    expect(dot).toContain('pod0 [label="default/client\\n192.168.56.11 (host network)"')
    expect(dot).toContain('pod1 [label="default/late\\nno network\\nPending"')
    expect(dot).not.toMatch(/pod[01] -> /)
  })

  it('draws a vxlan cluster as DOT', () => {
    expect(toDot(clusterGraph(sampleState('vxlan')))).toBe(`digraph mk8s {
  graph [label="mk8s cluster: pods 10.244.0.0/16, services 10.96.0.0/12, vxlan, iptables", labelloc="t", fontname="Helvetica", fontsize="14", compound="true", nodesep="0.3", ranksep="0.6"];
  node [fontname="Helvetica", fontsize="10", shape="box", style="rounded,filled", fillcolor="#ffffff"];
  edge [fontname="Helvetica", fontsize="9"];
  subgraph cluster_node0 {
    graph [label="node1\\n192.168.56.11 on eth0", style="rounded,filled", fillcolor="#f4f6fb", color="#8a9bc4"];
    node0_cni0 [label="cni0\\n10.244.1.1/24", fillcolor="#dde7f7"];
    node0_vtep [label="flannel.1\\n10.244.1.0/32", fillcolor="#e8dff5"];
    node0_cni0 -> node0_vtep [dir="none", label="route", fontcolor="#666666"];
    pod0 [label="default/client\\n10.244.1.3", shape="ellipse", fillcolor="#e3f4e1"];
    pod0 -> node0_cni0 [dir="none", label="veth", fontcolor="#666666"];
    pod2 [label="default/web-abc-1\\n10.244.1.2", shape="ellipse", fillcolor="#e3f4e1"];
    pod2 -> node0_cni0 [dir="none", label="veth", fontcolor="#666666"];
  }
  subgraph cluster_node1 {
    graph [label="node2\\n192.168.56.12 on eth0", style="rounded,filled", fillcolor="#f4f6fb", color="#8a9bc4"];
    node1_cni0 [label="cni0\\n10.244.2.1/24", fillcolor="#dde7f7"];
    node1_vtep [label="flannel.1\\n10.244.2.0/32", fillcolor="#e8dff5"];
    node1_cni0 -> node1_vtep [dir="none", label="route", fontcolor="#666666"];
    pod1 [label="default/late\\n10.244.2.3\\nPending", shape="ellipse", fillcolor="#eeeeee"];
    pod1 -> node1_cni0 [dir="none", label="veth", fontcolor="#666666"];
    pod3 [label="default/web-abc-2\\n10.244.2.2", shape="ellipse", fillcolor="#e3f4e1"];
    pod3 -> node1_cni0 [dir="none", label="veth", fontcolor="#666666"];
  }
  node0_vtep -> node1_vtep [dir="both", constraint="false", style="dashed", color="#7a4fb5", fontcolor="#7a4fb5", label="VXLAN VNI 1, UDP 8472"];
  svc0 [label="svc default/web\\nClusterIP 10.96.0.20\\n80/TCP", shape="hexagon", fillcolor="#fdebd3"];
  svc0 -> pod2 [style="dotted", color="#c07a1f"];
  svc0 -> pod3 [style="dotted", color="#c07a1f"];
  svc1 [label="svc default/web-np\\nNodePort 10.96.0.21\\n80:30080/TCP", shape="hexagon", fillcolor="#fdebd3"];
  svc1 -> pod2 [style="dotted", color="#c07a1f"];
  svc1 -> pod3 [style="dotted", color="#c07a1f"];
}
`)
  })

  it('draws host-gw routes as Mermaid', () => {
    expect(toMermaid(clusterGraph(sampleState('host-gw')))).toBe(`---
title: "mk8s cluster: pods 10.244.0.0/16, services 10.96.0.0/12, host-gw, iptables"
---
flowchart TB
  subgraph node0["node1: 192.168.56.11 on eth0"]
    node0_cni0["cni0<br/>10.244.1.1/24"]
    pod0(["default/client<br/>10.244.1.3"])
    pod0 ---|veth| node0_cni0
    pod2(["default/web-abc-1<br/>10.244.1.2"])
    pod2 ---|veth| node0_cni0
  end
  subgraph node1["node2: 192.168.56.12 on eth0"]
    node1_cni0["cni0<br/>10.244.2.1/24"]
    pod1(["default/late<br/>10.244.2.3<br/>Pending"])
    pod1 ---|veth| node1_cni0
    pod3(["default/web-abc-2<br/>10.244.2.2"])
    pod3 ---|veth| node1_cni0
  end
  node0_cni0 -.-|"node1: 10.244.2.0/24 via 192.168.56.12<br/>node2: 10.244.1.0/24 via 192.168.56.11"| node1_cni0
  svc0{{"svc default/web<br/>ClusterIP 10.96.0.20<br/>80/TCP"}}
  svc0 -.-> pod2
  svc0 -.-> pod3
  svc1{{"svc default/web-np<br/>NodePort 10.96.0.21<br/>80:30080/TCP"}}
  svc1 -.-> pod2
  svc1 -.-> pod3
`)
  })

  it('draws an empty state as an empty picture', () => {
    expect(toDot(clusterGraph(emptyState()))).toContain('label="mk8s: no cluster in this state file"')
    expect(toMermaid(clusterGraph(emptyState()))).toBe('---\ntitle: "mk8s: no cluster in this state file"\n---\nflowchart TB\n')
  })

  it('quotes labels', () => {
    expect(dotString('a "b" \\ c\nd')).toBe('"a \\"b\\" \\\\ c\\nd"')
    expect(mermaidString('a "b" <none>\nc')).toBe('"a #quot;b#quot; #lt;none#gt;<br/>c"')
  })
})
