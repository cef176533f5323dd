import {describe, expect, it} from 'vitest'
import {clusterInit} from '../../src/lib/cluster/service.js'
import {nodeJoin} from '../../src/lib/node/service.js'
import {program} from '../../src/lib/pipeline/index.js'
import {starting} from '../../src/lib/pod/model.js'
import {createPods} from '../../src/lib/pod/service.js'
import {exposeService} from '../../src/lib/svc/service.js'
import {objKey, type PodRecord, type State} from '../../src/lib/state/schema.js'
import {harness} from './harness.js'

const SPEC = {containers: [{name: 'web', image: 'mk8s/busybox', command: ['httpd', '-f', '-p', '80']}]}

/** A pod another mk8s (this process's parent: a live pid that is not ours) is starting: its sandbox up, its apps to come. */
const othersPod = (s: State, name: string, ip: string, pauseId: string | undefined, pid = process.ppid): PodRecord => ({
  ...s.pods[objKey('default', 'web')],
  name,
  uid: `uid-${name}`,
  ip,
  hostVeth: `veth${name.padEnd(8, '0').slice(0, 8)}`,
  phase: 'Pending',
  pid,
  pauseId,
  createdAt: new Date().toISOString(),
})

describe('one programming turn serves every pod run waiting for one', () => {
  it('starting(): Pending pods with a sandbox and a live maker are programmed Running; others are left as they are', () => {
    const pod = (over: Partial<PodRecord>): PodRecord => ({namespace: 'default', name: 'p', uid: 'u', node: 'node1', network: 'pod', labels: {}, spec: SPEC as never, phase: 'Pending', containers: [], createdAt: new Date().toISOString(), ...over})
    const s = {pods: {
      'default/live': pod({name: 'live', pauseId: 'abc', pid: process.ppid}),
      'default/nosandbox': pod({name: 'nosandbox', pid: process.ppid}),
      'default/killed': pod({name: 'killed', pauseId: 'def', pid: 2 ** 22 + 1}),
      'default/gone': pod({name: 'gone', phase: 'Terminating', pauseId: 'ghi', pid: process.ppid}),
    }} as unknown as State
    const out = starting(s)
    expect(Object.fromEntries(Object.entries(out.pods).map(([k, p]) => [k, p.phase]))).toEqual({'default/live': 'Running', 'default/nosandbox': 'Pending', 'default/killed': 'Pending', 'default/gone': 'Terminating'})
    expect(s.pods['default/live'].phase).toBe('Pending') // the saved state is not changed
    expect(starting({pods: {}} as unknown as State)).toEqual({pods: {}})
  })

  it("a turn wires and publishes another live process's starting pods; that process's own turn then sends nothing", async () => {
    const h = harness()
    await clusterInit(h.ctx, {})
    await nodeJoin(h.ctx, 'node1', {ssh: 'root@192.168.56.11'})
    await nodeJoin(h.ctx, 'node2', {ssh: 'root@192.168.56.12'})
    await createPods(h.ctx, [{namespace: 'default', name: 'web', labels: {app: 'web'}, spec: SPEC}], {node: 'node2'})
    await exposeService(h.ctx, {resource: 'pod/web', port: 80})
    // two pod runs of another process, reserved and their sandboxes started, waiting for a turn
    await h.ctx.store.update((s) => {
      s.pods['default/b1'] = othersPod(s, 'b1', '10.244.1.7', 'b1pause')
      s.pods['default/b2'] = othersPod(s, 'b2', '10.244.1.8', undefined) // sandbox not up yet: not wired
    })
    h.clear()
    await program(h.ctx)
    const text = h.text()
    expect(text).toContain('k8s_POD_b1_default') // wired on its node
    expect(text).toMatch(/10\.244\.1\.7/) // an endpoint of the service, and its DNS record
    expect(text).not.toMatch(/10\.244\.1\.8\b/)
    // the other process, its turn come: the pod it waits for is already programmed
    h.clear()
    await program(h.ctx)
    expect(h.text()).toBe('')
  })
})
