import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {clusterFromOptions} from '../../src/lib/cluster/service.js'
import type {Ctx} from '../../src/lib/context.js'
import {nodeHooks, objectsChanged} from '../../src/lib/node/hooks.js'
import type {State} from '../../src/lib/state/schema.js'
import {StateStore} from '../../src/lib/state/store.js'

/** objectsChanged: which states the areas are asked to program between (no host: the areas are a recording hook). */
describe('objectsChanged', () => {
  const calls: Array<[string[], string[]]> = []
  const pods = (s: State) => Object.keys(s.pods).sort()
  const hook = async (_ctx: Ctx, from: State, to: State) => {
    calls.push([pods(from), pods(to)])
  }
  nodeHooks.objectsChanged.push(hook)
  afterEach(() => {
    calls.length = 0
  })

  const setup = async () => {
    const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'mk8s-hooks-')), 'state.json'))
    await store.update((s) => {
      s.cluster = clusterFromOptions({}, 'c1')
    })
    const ctx = {store, dryRun: false, namespace: 'default', progress: () => {}} as unknown as Ctx
    const addPod = (name: string) =>
      store.update((s) => {
        const before = structuredClone(s)
        s.pods[`default/${name}`] = {namespace: 'default', name, uid: name, node: 'node1', network: 'pod', labels: {}, spec: {}, phase: 'Running', containers: [], createdAt: 'x'}
        return before
      })
    return {store, ctx, addPod}
  }

  it('programs from the newest state; what another process already programmed is not done again', async () => {
    const {store, ctx, addPod} = await setup()
    const beforeA = await addPod('a')
    const beforeB = await addPod('b') // saved by "another process" before a's turn came
    await objectsChanged(ctx, beforeA, store.read())
    expect(calls).toEqual([[[], ['default/a', 'default/b']]])
    // b's own turn: everything it saved is programmed already
    await objectsChanged(ctx, beforeB, store.read())
    expect(calls).toHaveLength(1)
    // the next change is programmed from what was programmed last, not from the caller's view
    const beforeC = await addPod('c')
    await objectsChanged(ctx, beforeC, store.read())
    expect(calls[1]).toEqual([['default/a', 'default/b'], ['default/a', 'default/b', 'default/c']])
  })

  it('a failed programming is not remembered: the next turn starts again from what the hosts had', async () => {
    const {store, ctx, addPod} = await setup()
    const b0 = await addPod('a')
    await objectsChanged(ctx, b0, store.read())
    const b1 = await addPod('b')
    nodeHooks.objectsChanged.push(async () => {
      throw new Error('host down')
    })
    await expect(objectsChanged(ctx, b1, store.read())).rejects.toThrow('host down')
    nodeHooks.objectsChanged.pop()
    await objectsChanged(ctx, b1, store.read())
    expect(calls.slice(-1)).toEqual([[['default/a'], ['default/a', 'default/b']]])
  })

  it("under --dry-run: the caller's states, nothing locked or remembered", async () => {
    const {store, addPod} = await setup()
    const before = await addPod('a')
    const ctx = {store, dryRun: true, namespace: 'default', progress: () => {}} as unknown as Ctx
    const wouldBe = structuredClone(store.read())
    delete wouldBe.pods['default/a']
    await objectsChanged(ctx, before, wouldBe)
    expect(calls).toEqual([[[], []]])
    expect(store.readProgrammed()).toBeUndefined()
  })
})
