import {describe, expect, it} from 'vitest'
import {incrementalServicesPlan, touchedServices} from '../../src/lib/svc/sync.js'
import type {State} from '../../src/lib/state/schema.js'
import {fixture, pod, svc} from './svc-fixture.js'

/** A change costs what it changes: only the services a change can touch are planned again. */
describe('touched services', () => {
  const base = () => fixture([pod('a', 'node1', '10.244.0.5', {app: 'web'}), pod('d', 'node2', '10.244.1.9', {app: 'db'})], [svc('web', '10.96.0.20'), svc('db', '10.96.0.21'), svc('idle', '10.96.0.22')])
  const changes: Array<[string, (s: State) => void, string[]]> = [
    ['nothing', () => {}, []],
    ['a service added', (s) => (s.services['default/new'] = svc('new', '10.96.0.30')), ['default/new']],
    ['a service removed', (s) => delete s.services['default/idle'], ['default/idle']],
    ['a service changed', (s) => (s.services['default/db'].ports[0].port = 5432), ['default/db']],
    ['a pod it selects added', (s) => (s.pods['default/b'] = pod('b', 'node2', '10.244.1.5', {app: 'web'})), ['default/web']],
    ['a pod it selects deleted', (s) => delete s.pods['default/d'], ['default/db']],
    ['a pod relabelled from one to the other', (s) => (s.pods['default/a'].labels = {app: 'db'}), ['default/db', 'default/web']],
    ['a pod no service selects', (s) => (s.pods['default/z'] = pod('z', 'node1', '10.244.0.7', {app: 'none'})), []],
    ['the cluster settings', (s) => (s.cluster!.podCIDR = '10.245.0.0/16'), ['default/db', 'default/idle', 'default/web']],
  ]
  it.each(changes)('%s', (_name, change, want) => {
    const before = base()
    const after = structuredClone(before)
    change(after)
    expect(touchedServices(before, after).sort()).toEqual(want)
  })
  it.each(changes)('%s: the same plan as when every service is planned again', (_name, change) => {
    const before = base()
    const after = structuredClone(before)
    change(after)
    for (const mode of ['iptables', 'nftables'] as const) {
      const b = {...structuredClone(before), cluster: {...before.cluster!, proxyMode: mode}}
      const a = {...structuredClone(after), cluster: {...after.cluster!, proxyMode: mode}}
      const every = [...new Set([...Object.keys(b.services), ...Object.keys(a.services)])]
      for (const node of Object.values(a.nodes)) expect(incrementalServicesPlan(b, a, node)).toEqual(incrementalServicesPlan(b, a, node, every))
    }
  })
})
