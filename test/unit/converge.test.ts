import {readFileSync, writeFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {clusterInit} from '../../src/lib/cluster/service.js'
import {applyDeployment, ownedPods, type DeploymentInput} from '../../src/lib/deploy/service.js'
import {nodeJoin} from '../../src/lib/node/service.js'
import type {Runtime} from '../../src/lib/runtime/runtime.js'
import {harness} from './harness.js'

const DEAD_PID = 2 ** 22 + 11 // no such process
const shop: DeploymentInput = {namespace: 'default', name: 'shop', labels: {}, replicas: 3, selector: {app: 'shop'}, template: {metadata: {labels: {app: 'shop'}}, spec: {containers: [{name: 'c', image: 'mk8s/busybox', command: ['sleep', '3600']}]}}}

describe('a Deployment converges on re-apply, whatever a killed command left', () => {
  it('replicas Pending without a live mk8s, Failed, or Running with their containers gone are replaced; a healthy one and one still being made are kept', async () => {
    const gone = new Set<string>()
    const reads: Runtime = {on: (_n, fn) => fn({startPause: async () => '', startApps: async () => [], removePod: async () => {}, sandboxGone: async (p) => gone.has(p.uid)})}
    const h = harness(undefined, {reads})
    await clusterInit(h.ctx, {})
    await nodeJoin(h.ctx, 'node1', {ssh: 'root@192.168.56.11'})
    await applyDeployment(h.ctx, {...shop, replicas: 5})
    const [keep, pendingDead, failed, containersGone, pendingLive] = ownedPods(h.ctx.store.read(), shop).sort((a, b) => a.name.localeCompare(b.name))
    const saved = JSON.parse(readFileSync(h.path, 'utf8'))
    Object.assign(saved.pods[`default/${pendingDead.name}`], {phase: 'Pending', pid: DEAD_PID})
    Object.assign(saved.pods[`default/${failed.name}`], {phase: 'Failed'})
    Object.assign(saved.pods[`default/${pendingLive.name}`], {phase: 'Pending', pid: process.ppid}) // another mk8s, still at work
    writeFileSync(h.path, JSON.stringify(saved))
    gone.add(containersGone.uid)
    const r = await applyDeployment(h.ctx, shop)
    expect(r.deleted.map((p) => p.name).sort()).toEqual([pendingDead.name, failed.name, containersGone.name].sort())
    expect(r.created).toHaveLength(1) // 3 wanted: keep, pendingLive and one new
    const names = ownedPods(h.ctx.store.read(), shop).map((p) => p.name)
    expect(names).toEqual(expect.arrayContaining([keep.name, pendingLive.name]))
    expect(names).toHaveLength(3)
  })
})

describe('what the nodes were programmed from follows every change', () => {
  it('by-hand namespaces added and deleted leave doctor nothing behind the state', async () => {
    const {netnsAdd, netnsDel} = await import('../../src/lib/netns/service.js')
    const {unprogrammed} = await import('../../src/lib/pipeline/drift.js')
    const h = harness()
    await clusterInit(h.ctx, {})
    await nodeJoin(h.ctx, 'node1', {ssh: 'root@192.168.56.11'})
    await netnsAdd(h.ctx, 'red', 'node1')
    expect(unprogrammed(h.ctx.store.read(), h.ctx.store.readProgrammed())).toEqual([])
    await netnsDel(h.ctx, 'red', 'node1')
    expect(unprogrammed(h.ctx.store.read(), h.ctx.store.readProgrammed())).toEqual([])
  })
})
