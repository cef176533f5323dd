import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {sampleState} from '../unit/fixtures.js'
import {BIN, runPiped, tempDir} from './helpers.js'

describe('mk8s graph', () => {
  const state = join(tempDir('graph'), 'state.json')
  writeFileSync(state, JSON.stringify(sampleState('vxlan')))
  const env = {MK8S_STATE: state}

  it('renders an SVG with Graphviz, showing nodes, bridges, tunnels, pods and services', () => {
    const r = runPiped(['node', BIN, 'graph'], {env})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\n$/)
    for (const text of ['node1', '192.168.56.12 on eth0', 'cni0', '10.244.1.1/24', 'flannel.1', 'VXLAN VNI 1, UDP 8472', 'default/client', '10.244.2.2', 'ClusterIP 10.96.0.20']) {
      expect(r.stdout).toContain(text)
    }
  })

  it('prints mermaid and dot text, and the model as JSON', () => {
    expect(runPiped(['node', BIN, 'graph', '-f', 'mermaid'], {env}).stdout).toMatch(/^---\ntitle: "mk8s cluster: /)
    expect(runPiped(['node', BIN, 'graph', '--format', 'dot'], {env}).stdout).toMatch(/^digraph mk8s \{/)
    const g = JSON.parse(runPiped(['node', BIN, 'graph', '-o', 'json'], {env}).stdout)
    expect(g.links).toEqual([{from: 'node0', to: 'node1', kind: 'vxlan', label: 'VXLAN VNI 1, UDP 8472'}])
  })
})
