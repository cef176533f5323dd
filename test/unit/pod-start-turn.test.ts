import {describe, expect, it} from 'vitest'
import {clusterInit} from '../../src/lib/cluster/service.js'
import {HostCommandError} from '../../src/lib/errors.js'
import {Executor} from '../../src/lib/host/executor.js'
import type {Host} from '../../src/lib/host/host.js'
import type {Captured, Plan} from '../../src/lib/host/plan.js'
import {nodeJoin} from '../../src/lib/node/service.js'
import {createPods} from '../../src/lib/pod/service.js'
import type {Runtime} from '../../src/lib/runtime/runtime.js'
import {exposeService} from '../../src/lib/svc/service.js'
import {fakeReader, harness} from './harness.js'

const SPEC = {containers: [{name: 'web', image: 'mk8s/busybox', command: ['httpd', '-f', '-p', '80']}]}

/** Scripts that answer when the test lets them (per node), each send and answer written to `log`. */
class HeldExecutor extends Executor {
  readonly log: string[] = []
  private readonly gates = new Map<string, {open: Promise<void>; let(): void}>()
  fail = new Set<string>()

  constructor() {
    super(false, () => {}, fakeReader)
  }

  hold(node: string): void {
    let open!: () => void
    this.gates.set(node, {open: new Promise<void>((r) => (open = r)), let: () => open()})
  }

  release(node: string): void {
    this.gates.get(node)?.let()
    this.gates.delete(node)
  }

  override openSessions(): void {} // no SSH here

  override async apply(host: Host, plan: Plan): Promise<Map<number, Captured>> {
    if (plan.length === 0) return new Map()
    this.log.push(`script ${host.name}`)
    await this.gates.get(host.name)?.open
    this.log.push(`answered ${host.name}`)
    if (this.fail.has(host.name)) throw new HostCommandError(host.name, 'iptables-restore --noflush', 1, 'no luck')
    return new Map()
  }
}

/** A runtime that writes what it does to `log`. */
const loggingRuntime = (log: string[]): Runtime => ({
  on: (node, fn) =>
    fn({
      startPause: async (pod) => (log.push(`pause ${node.name} ${pod.name}`), `${pod.name}-pause`),
      startApps: async (pod, spec) => (log.push(`apps ${node.name} ${pod.name}`), spec.containers.map((c) => ({name: c.name, id: `${pod.name}-${c.name}`, image: c.image}))),
      removePod: async (pod) => void log.push(`remove ${node.name} ${pod.name}`),
      sandboxGone: async () => false,
    }),
})

/** Three nodes, a service on node2's pod: a pod run on node1 changes its endpoints on every node. */
async function cluster() {
  const h = harness()
  await clusterInit(h.ctx, {})
  for (const [i, n] of ['node1', 'node2', 'node3'].entries()) await nodeJoin(h.ctx, n, {ssh: `root@192.168.56.1${i + 1}`})
  await createPods(h.ctx, [{namespace: 'default', name: 'bg', labels: {app: 'web'}, spec: SPEC}], {node: 'node2'})
  await exposeService(h.ctx, {resource: 'pod/bg', name: 'web', port: 80})
  const exec = new HeldExecutor()
  const ctx = {...h.ctx, exec, runtime: loggingRuntime(exec.log)}
  return {ctx, exec}
}

const run = (ctx: Awaited<ReturnType<typeof cluster>>['ctx']) => createPods(ctx, [{namespace: 'default', name: 'new', labels: {app: 'web'}, spec: SPEC}], {node: 'node1'})
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1))
  expect(cond()).toBe(true)
}

describe("a pod's app containers wait for its own node's script, not for the other nodes'", () => {
  it('the apps start while another node is still programming; the command ends once it answered', async () => {
    const {ctx, exec} = await cluster()
    exec.hold('node3')
    let ended = false
    const started = run(ctx).finally(() => (ended = true))
    await until(() => exec.log.includes('apps node1 new'))
    expect(exec.log).not.toContain('answered node3')
    await new Promise((r) => setTimeout(r, 20))
    expect(ended).toBe(false) // the turn is not over: its record and the pod's Running come after node3
    exec.release('node3')
    const [pod] = await started
    expect(pod.phase).toBe('Running')
    expect(ctx.store.read().pods['default/new'].phase).toBe('Running')
    expect(ctx.store.readProgrammed()!.stale).toEqual([])
    expect(exec.log.indexOf('apps node1 new')).toBeLessThan(exec.log.indexOf('answered node3'))
  })

  it("another node's failure still undoes the pod: its containers removed, its record gone, that node stale", async () => {
    const {ctx, exec} = await cluster()
    exec.hold('node3')
    exec.fail.add('node3')
    const started = run(ctx)
    await until(() => exec.log.includes('apps node1 new'))
    exec.release('node3')
    await expect(started).rejects.toThrow(/on node3: 'iptables-restore --noflush' failed/)
    expect(exec.log.slice(exec.log.indexOf('answered node3'))).toContain('remove node1 new')
    expect(ctx.store.read().pods['default/new']).toBeUndefined()
    expect(ctx.store.readProgrammed()!.stale).toEqual(['node3'])
  })

  it("its own node's failure: no app container, the pod undone, the turn's first error raised", async () => {
    const {ctx, exec} = await cluster()
    exec.fail.add('node1')
    await expect(run(ctx)).rejects.toThrow(/on node1:/)
    expect(exec.log).not.toContain('apps node1 new')
    expect(exec.log).toContain('remove node1 new')
    expect(ctx.store.read().pods['default/new']).toBeUndefined()
  })
})
