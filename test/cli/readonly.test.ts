import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {clusterFromOptions} from '../../src/lib/cluster/service.js'
import {emptyState} from '../../src/lib/state/schema.js'
import {BIN, runPiped, tempDir} from './helpers.js'

/** Read verbs never write: not the state, not what was programmed, even when a node does not answer. */
describe('read verbs', () => {
  const dir = tempDir('readonly')
  const state = join(dir, 'state.json')
  const s = emptyState()
  s.cluster = clusterFromOptions({}, '2024-01-01T00:00:00.000Z')
  // nothing listens on port 1 of loopback: the node is unreachable, at once
  s.nodes.node1 = {name: 'node1', target: {kind: 'ssh', user: 'root', host: '127.0.0.1', port: 1}, podCIDR: '10.244.0.0/24', iface: 'eth0', address: '127.0.0.1', mtu: 1500, ready: true, joinedAt: '2024-01-01T00:00:00.000Z'}
  writeFileSync(state, JSON.stringify(s, null, 2) + '\n')
  const env = {MK8S_STATE: state, MK8S_SSH_DIR: join(dir, 'ssh')}

  for (const argv of [['node', 'list'], ['node', 'get', 'node1'], ['cluster', 'status'], ['pod', 'list'], ['svc', 'list'], ['node', 'list', '-o', 'json']]) {
    it(`mk8s ${argv.join(' ')} leaves the state file byte for byte the same`, () => {
      const before = readFileSync(state)
      const r = runPiped(['node', BIN, ...argv], {env})
      expect(r.stderr).not.toMatch(/Error: command/)
      expect(readFileSync(state).equals(before)).toBe(true)
      if (argv[1] === 'list' && argv[0] === 'node') expect(r.stdout).toMatch(/node1/)
    })
  }

  it('shows the unreachable node as such, without recording it', () => {
    const r = runPiped(['node', BIN, 'node', 'list', '-o', 'json'], {env})
    const list = JSON.parse(r.stdout) as {items: Array<{status: {conditions: Array<{status: string; reason: string}>}}>}
    expect(list.items[0].status.conditions[0]).toMatchObject({status: 'Unknown', reason: 'Unreachable'})
    expect(JSON.parse(readFileSync(state, 'utf8')).nodes.node1.ready).toBe(true)
  })
})
