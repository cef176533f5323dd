import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {hostOf} from '../cluster/hosts.js'
import {requireCluster, requireNode, sortedNodes} from '../cluster/model.js'
import {HostCommandError, InputError, Mk8sError, notFound} from '../errors.js'
import {program, programFirst, type NodeReport} from '../pipeline/index.js'
import {InterruptedError, safePoint} from '../interrupt.js'
import {withDocker} from '../runtime/docker.js'
import type {NodeRuntime} from '../runtime/runtime.js'
import {objKey, type Cluster, type NodeRecord, type PodRecord, type State} from '../state/schema.js'
import {validateName} from '../util/names.js'
import {abandoned, hasReadinessProbe} from './model.js'
import {awaitReadiness} from './readiness.js'
import {allocatePodIP, pickNode} from './ipam.js'
import {containerName, hostVethName} from './plan.js'
import {takenHostPorts} from '../hostport/plan.js'
import {step} from '../host/plan.js'
import {podDns} from '../dns/resolv.js'
import {podIdentity} from './identity.js'
import {podEnv} from './env.js'
import {inspectPod, tailLogs, type ContainerLive} from './runtime.js'
import {parsePodSpec, selects, validateLabels, type PodSpec} from './spec.js'
import {timed} from '../util/timing.js'

export interface PodInput {
  namespace: string
  name: string
  labels: Record<string, string>
  spec: unknown
  owner?: string
  /** the owner's kind when it is not a Deployment */
  ownerKind?: PodRecord['ownerKind']
  /** "none": only lo (the documents' fourth Docker mode); hostNetwork in the spec means "host" */
  network?: 'pod' | 'none'
}

const networkOf = (p: PodInput & {parsed: PodSpec}): PodRecord['network'] => (p.parsed.hostNetwork ? 'host' : p.network ?? 'pod')

/** Host ports the pod would take on its node ("8080/TCP"), refused when a pod there holds one. */
function checkHostPorts(s: State, rec: PodRecord, made: readonly PodRecord[]): void {
  const taken = takenHostPorts([...Object.values(s.pods), ...made], rec.node)
  for (const [port, owner] of takenHostPorts([rec], rec.node)) {
    const other = taken.get(port)
    if (other) throw new InputError(`host port ${port} on node ${rec.node} is already taken by pod ${other}`, 'choose another hostPort, or another node with --node')
  }
}

/** Check everything about new pods before any host is touched. */
export function validatePods(inputs: readonly PodInput[]): Array<PodInput & {parsed: PodSpec}> {
  return inputs.map((p) => {
    validateName('namespace', p.namespace)
    validateName('pod', p.name)
    const where = `pod ${p.namespace}/${p.name}`
    return {...p, labels: validateLabels(p.labels, where), parsed: parsePodSpec(p.spec, where)}
  })
}

const keyOf = (p: {namespace: string; name: string}) => objKey(p.namespace, p.name)

function byNode<T extends {node: string}>(list: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const x of list) out.set(x.node, [...(out.get(x.node) ?? []), x])
  return out
}

/**
 * Create pods, as kubelet runs a sandbox: reserve names, nodes and addresses under the lock (the
 * pods Pending, owned by this process); start each pod's pause container; then one script per node
 * wires the namespaces and brings services, DNS and host ports in line with the pods as they will
 * be; then the app containers start and the pods are recorded Running. A pod that fails on the
 * way is removed again, leaving no trace.
 */
export async function createPods(ctx: Ctx, inputs: readonly PodInput[], opts: {node?: string} = {}): Promise<PodRecord[]> {
  const pods = validatePods(inputs)
  await removeAbandoned(ctx, pods)
  const before = ctx.store.read()
  const cluster = requireCluster(before)
  if (opts.node) requireNode(before, opts.node)
  // a node known before the reservation (--node, nodeName): its runtime connection opens meanwhile
  const known = [...new Set(pods.map((p) => p.parsed.nodeName ?? opts.node))]
  const early = known.every((n) => n && before.nodes[n]) ? known.map((n) => ctx.runtime.prepare?.(before.nodes[n!])) : []
  // and the program turn's sessions, to every node it may send a script (a pod's wiring; its
  // endpoints and DNS records are on every node): opening one costs more than its script takes
  ctx.exec.openSessions(Object.values(before.nodes).filter((n) => n.ready || n.reason !== 'Unreachable').map(hostOf))
  try {
    return await reserveAndStart(ctx, cluster, pods, opts)
  } finally {
    ctx.exec.closeSessions()
    await Promise.all(early.map((e) => e?.release()))
  }
}

async function reserveAndStart(ctx: Ctx, cluster: Cluster, pods: Array<PodInput & {parsed: PodSpec}>, opts: {node?: string}): Promise<PodRecord[]> {
  const reserved = await ctx.store.update((s) => {
    const made: PodRecord[] = []
    for (const p of pods) {
      const key = objKey(p.namespace, p.name)
      if (s.pods[key]) throw new InputError(`pod "${p.name}" already exists in namespace ${p.namespace} (on ${s.pods[key].node})`, `delete it first (mk8s pod delete ${p.name}) or choose another name; the existing pod was left untouched`)
      const nodeName = p.parsed.nodeName ?? opts.node
      const node = nodeName ? requireNode(s, nodeName) : pickNode(s, sortedNodes(s), p.owner, made)
      const network = networkOf(p)
      const rec: PodRecord = {
        namespace: p.namespace,
        name: p.name,
        uid: randomUUID(),
        node: node.name,
        network,
        ip: network === 'host' ? node.address : network === 'none' ? undefined : allocatePodIP(s, node, made),
        labels: p.labels,
        spec: {...p.parsed, nodeName: node.name},
        owner: p.owner,
        ...(p.ownerKind ? {ownerKind: p.ownerKind} : {}),
        phase: 'Pending',
        pid: process.pid,
        // a readinessProbe: Running but no endpoint until it passes
        ...(p.parsed.containers.some((c) => c.readinessProbe) ? {ready: false} : {}),
        containers: p.parsed.containers.map((c) => ({name: c.name, image: c.image})),
        createdAt: new Date().toISOString(),
      }
      rec.hostVeth = network === 'pod' ? hostVethName(rec) : undefined
      if (p.parsed.containers.some((c) => c.env.some((e) => e.valueFrom || e.value.includes('$')) || c.envFrom?.length)) rec.env = podEnv(s, rec, p.parsed.containers)
      checkHostPorts(s, rec, made)
      s.pods[key] = rec
      made.push(rec)
    }
    return made
  })
  let running: PodRecord[]
  try {
    running = await startReserved(ctx, cluster, reserved)
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error
    // stopped at a safe point: what is not Running yet is undone, what is Running stays
    const now = ctx.store.read()
    const undone = reserved.filter((r) => now.pods[keyOf(r)]?.uid === r.uid && now.pods[keyOf(r)].phase !== 'Running')
    if (undone.length) await forget(ctx, undone)
    const names = (l: PodRecord[]) => l.map((p) => `${p.namespace}/${p.name}`).join(', ')
    const kept = reserved.filter((r) => !undone.includes(r))
    throw new InterruptedError(error.signal, [kept.length ? `pod(s) ${names(kept)} created` : '', undone.length ? `pod(s) ${names(undone)} not created (what was made of them was removed)` : ''].filter(Boolean).join('; '))
  }
  // the containers run: pods with a readinessProbe become endpoints once it passes
  return awaitReadiness(ctx, running)
}

/** The reserved (Pending) pods made real: sandboxes, one script per node, app containers, Running. */
async function startReserved(ctx: Ctx, cluster: Cluster, reserved: PodRecord[]): Promise<PodRecord[]> {
  const state = ctx.store.read()
  const failures: unknown[] = []
  const nodes = [...byNode(reserved)]
  // one runtime connection per node for the whole start (connecting to a node's Docker over SSH
  // costs more than a container does): its sandboxes, then, once every node's are up and the one
  // program turn is done, its app containers
  const sandboxes = nodes.map(() => settleOnce<PodRecord[]>())
  const perNode = nodes.map(([n, list], i) => startOnNode(ctx, cluster, state.nodes[n], list, sandboxes[i], () => wired))
  // the rest of the program turn: the other nodes' scripts, which the app containers do not wait for
  let others: Promise<unknown> | undefined
  const wired: Promise<PodRecord[]> = (async () => {
    // 1. the sandboxes: a pause container per pod, all nodes at once
    const started = await Promise.allSettled(sandboxes.map((d) => d.promise))
    let ready = started.flatMap((r) => (r.status === 'fulfilled' ? r.value : ((r.reason as {started?: PodRecord[]})?.started ?? [])))
    for (const r of started) if (r.status === 'rejected') failures.push(r.reason)
    const gone = reserved.filter((r) => !ready.some((x) => x.uid === r.uid))
    await ctx.store.update((s) => {
      for (const r of gone) if (s.pods[keyOf(r)]?.uid === r.uid) delete s.pods[keyOf(r)]
      for (const r of ready) if (s.pods[keyOf(r)]?.uid === r.uid) s.pods[keyOf(r)] = r
    })
    safePoint('sandboxes started')
    // 2. one script per node: namespaces wired, endpoints, DNS records, host ports. The pods
    // Pending with their sandboxes are programmed as they will run (pod/model.ts starting); their
    // app containers wait for their own nodes' scripts only, the other nodes' go on meanwhile
    if (ready.length) {
      const turn = programFirst(ctx, [...byNode(ready).keys()])
      try {
        await timed('program (pods wired)', () => turn.first)
        others = timed('program (the other nodes)', () => turn.done)
      } catch (error) {
        if (error instanceof InterruptedError) throw error
        // the turn's own error: the first of every node's, as program() raises it
        failures.push(cniError(await turn.done.then(() => error, (e: unknown) => e)))
        await forget(ctx, ready)
        ready = []
      }
    }
    return ready
  })()
  // 3. the app containers (each node's task goes on to them once `wired` is settled)
  const apps = await Promise.allSettled(perNode)
  const ready = await wired // an interrupt at the safe point, or in the program turn, is raised here
  // a failure on another node fails the start as before: the pods, app containers and all, are undone
  const late = await others?.then(() => undefined, (e: unknown) => cniError(e))
  if (late) failures.push(late)
  const running = late ? [] : apps.flatMap((r) => (r.status === 'fulfilled' ? r.value : ((r.reason as {started?: PodRecord[]})?.started ?? [])))
  for (const r of apps) if (r.status === 'rejected') failures.push(r.reason)
  const lost = ready.filter((p) => !running.some((r) => r.uid === p.uid))
  await ctx.store.update((s) => {
    for (const r of running) if (s.pods[keyOf(r)]?.uid === r.uid) s.pods[keyOf(r)] = {...s.pods[keyOf(r)], ...r, phase: 'Running', pid: undefined}
  })
  if (lost.length) await forget(ctx, lost)
  else if (running.length) await timed('program (after the apps)', () => program(ctx)) // normally nothing left: another process may have programmed meanwhile
  if (failures.length) throw failures[0]
  return running.map((r) => ({...r, phase: 'Running' as const, pid: undefined}))
}

/** A promise settled from outside, the first settling winning. */
function settleOnce<T>(): {promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void} {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((ok, bad) => {
    resolve = ok
    reject = bad
  })
  promise.catch(() => {}) // awaited by allSettled; never an unhandled rejection
  return {promise, resolve, reject}
}

/**
 * One node's part of a start, through one runtime connection: its pause containers (told through
 * `sandboxes`: the pods started, or the error with the ones started before it), then, when
 * `wired()` gives the pods wired on every node, the app containers of this node's. A sandbox
 * failure is told through `sandboxes` only; what this returns or throws is the app containers'.
 */
async function startOnNode(ctx: Ctx, cluster: Cluster, node: NodeRecord, pods: PodRecord[], sandboxes: ReturnType<typeof settleOnce<PodRecord[]>>, wired: () => Promise<PodRecord[]>): Promise<PodRecord[]> {
  let told = false
  const tell = (error: unknown, out: PodRecord[]) => {
    if (out.length) (error as {started?: PodRecord[]}).started = out
    sandboxes.reject(error)
    told = true
  }
  try {
    await checkHostPortsFree(ctx, node, pods)
    return await ctx.runtime.on(node, async (rt) => {
      const out: PodRecord[] = []
      let failed = false
      for (const p of pods) {
        try {
          out.push({...p, pauseId: await rt.startPause(p, podDns(cluster, p.namespace), podIdentity(p, cluster))})
        } catch (error) {
          await rt.removePod(p).catch(() => {})
          tell(error, out)
          failed = true
          break
        }
      }
      if (!failed) {
        sandboxes.resolve(out)
        told = true
      }
      return appsOn(rt, (await wired()).filter((p) => p.node === node.name))
    })
  } catch (error) {
    if (!told) {
      tell(error, [])
      return []
    }
    throw error
  }
}

/** Pods that failed part way: containers removed, records gone, and their wiring undone. */
async function forget(ctx: Ctx, pods: readonly PodRecord[]): Promise<void> {
  const state = ctx.store.read()
  await Promise.allSettled([...byNode(pods)].map(([n, list]) => state.nodes[n] && ctx.runtime.on(state.nodes[n], async (rt) => {
    for (const p of list) await rt.removePod(p).catch(() => {})
  })))
  await ctx.store.update((s) => {
    for (const p of pods) if (s.pods[keyOf(p)]?.uid === p.uid) delete s.pods[keyOf(p)]
  })
  await program(ctx).catch(() => {})
}

/** A CNI plugin answers an error as JSON; its failing step carries it on stderr: say it plainly. */
function cniError(error: unknown): unknown {
  if (!(error instanceof HostCommandError) || !/\/usr\/lib\/cni\//.test(error.message)) return error
  const text = error.stderr.trim()
  let msg = text
  try {
    const e = JSON.parse(text) as {msg?: string; details?: string}
    msg = [e.msg, e.details].filter(Boolean).join(': ') || text
  } catch {}
  return new Mk8sError(`a CNI plugin failed on node ${error.host}: ${msg}`, {hint: 'the plugins live in /usr/lib/cni (Debian package containernetworking-plugins)'})
}

/**
 * Start pods again from their recorded spec, on their node, with their name and address: what
 * kubelet does for a sandbox that died (a reboot, a wipe, a pause container restarted into an
 * empty namespace, a command killed part way). The pods are Pending and this process's while it
 * happens (a kill leaves them to the next doctor --fix); their containers are removed, a new pause
 * container starts, one script per node wires it (nodes in `whole` are programmed whole), the
 * app containers start, and the pods are Running again.
 */
export async function restartPods(ctx: Ctx, pods: readonly PodRecord[], o: {whole?: readonly string[]} = {}): Promise<{pods: PodRecord[]; reports: NodeReport[]}> {
  const state = ctx.store.read()
  const cluster = requireCluster(state)
  const mine = pods.filter((p) => state.pods[keyOf(p)]?.uid === p.uid && state.nodes[p.node])
  if (mine.length === 0) return {pods: [], reports: o.whole?.length ? await program(ctx, {whole: o.whole}) : []}
  await ctx.store.update((s) => {
    for (const p of mine) if (s.pods[keyOf(p)]?.uid === p.uid) s.pods[keyOf(p)] = {...s.pods[keyOf(p)], phase: 'Pending', pid: process.pid, ...(hasReadinessProbe(p) ? {ready: false} : {})}
  })
  const started = await Promise.all([...byNode(mine)].map(([n, list]) => ctx.runtime.on(state.nodes[n], async (rt) => {
    const out: PodRecord[] = []
    for (const p of list) {
      ctx.progress(`node ${n}: starting pod ${p.namespace}/${p.name} again from its spec on ${p.ip ?? 'the host network'}`)
      await rt.removePod(p)
      out.push({...p, pauseId: await rt.startPause(p, podDns(cluster, p.namespace), podIdentity(p, cluster))})
    }
    return out
  })))
  const ready = started.flat()
  await ctx.store.update((s) => {
    for (const r of ready) if (s.pods[keyOf(r)]?.uid === r.uid) s.pods[keyOf(r)].pauseId = r.pauseId
  })
  const reports = await program(ctx, {whole: o.whole})
  const running = (await Promise.all([...byNode(ready)].map(([n, list]) => startApps(ctx, state.nodes[n], list)))).flat()
  await ctx.store.update((s) => {
    for (const r of running) if (s.pods[keyOf(r)]?.uid === r.uid) s.pods[keyOf(r)] = {...s.pods[keyOf(r)], containers: r.containers, phase: 'Running', pid: undefined}
  })
  await program(ctx)
  return {pods: await awaitReadiness(ctx, running), reports}
}

/**
 * Those of `pods` (Running ones) whose sandbox is gone from their node: the pause container not
 * running, or an app container missing. A read, one runtime connection per node; a node that
 * cannot be asked keeps its pods (kubelet's pods are not replaced while their node is away).
 */
export async function goneSandboxes(ctx: Ctx, pods: readonly PodRecord[]): Promise<PodRecord[]> {
  const state = ctx.store.read()
  const running = pods.filter((p) => p.phase === 'Running' && state.nodes[p.node])
  const per = await Promise.all([...byNode(running)].map(([n, list]) => ctx.runtime.on(state.nodes[n], async (rt) => {
    const out: PodRecord[] = []
    for (const p of list) if (await rt.sandboxGone(p)) out.push(p)
    return out
  }).catch(() => [] as PodRecord[])))
  return per.flat()
}

/**
 * Replicas that will never be Running, whatever an earlier command left: pods Pending or
 * Terminating whose mk8s process is gone (killed part way), Failed ones, and Running ones whose
 * containers are gone from their node. Pods another live process is still making are not dead.
 * What a controller (Deployment, StatefulSet) replaces when it is applied again.
 */
export async function deadPods(ctx: Ctx, pods: readonly PodRecord[]): Promise<Set<string>> {
  const dead = pods.filter((p) => abandoned(p) || p.phase === 'Failed')
  return new Set([...dead, ...(await goneSandboxes(ctx, pods))].map((p) => p.uid))
}

/** Pods of a node whose sandbox is gone (see goneSandboxes). */
export const brokenSandboxes = (ctx: Ctx, node: NodeRecord): Promise<PodRecord[]> =>
  goneSandboxes(ctx, Object.values(ctx.store.read().pods).filter((p) => p.node === node.name))

/** Pods of these names left Pending or Terminating by a killed mk8s are cleaned away first, so that the name can be used again. */
async function removeAbandoned(ctx: Ctx, pods: readonly PodInput[]): Promise<void> {
  const state = ctx.store.read()
  const left = pods.map((p) => state.pods[objKey(p.namespace, p.name)]).filter((p): p is PodRecord => p !== undefined && abandoned(p))
  if (left.length === 0) return
  ctx.progress(`removing what an interrupted mk8s left of ${left.map((p) => `pod ${p.namespace}/${p.name}`).join(', ')}`)
  await deletePods(ctx, left)
}

/** The app containers of wired pods, through one node's runtime; the pods with their containers (on an error, those started before it ride on it). */
async function appsOn(rt: NodeRuntime, pods: readonly PodRecord[]): Promise<PodRecord[]> {
  const out: PodRecord[] = []
  for (const p of pods) {
    try {
      out.push({...p, containers: await rt.startApps(p, p.spec, p.pauseId!)})
    } catch (error) {
      if (out.length) (error as {started?: PodRecord[]}).started = out
      throw error
    }
  }
  return out
}

/** The app containers of a node's wired pods; the pods with their containers. */
const startApps = (ctx: Ctx, node: NodeRecord, pods: PodRecord[]): Promise<PodRecord[]> => ctx.runtime.on(node, (rt) => appsOn(rt, pods))

/** Host ports already listened on by something on the node (sshd, a host-network server): exit 2. */
async function checkHostPortsFree(ctx: Ctx, node: NodeRecord, pods: readonly PodRecord[]): Promise<void> {
  const wanted = pods.flatMap((p) => [...takenHostPorts([p], node.name).keys()].map((port) => ({port, pod: p})))
  if (wanted.length === 0) return
  const res = await ctx.exec.read(hostOf(node), [step(['ss', '-Hlntu'], {capture: true})])
  const listening = new Set(
    (res.get(0)?.output ?? '').split('\n').flatMap((l) => {
      const f = l.trim().split(/\s+/)
      const port = f[4]?.split(':').pop()
      return port ? [`${port}/${f[0] === 'udp' ? 'UDP' : 'TCP'}`] : []
    }),
  )
  const busy = wanted.find((w) => listening.has(w.port))
  if (busy) throw new InputError(`host port ${busy.port} on node ${node.name} is already in use there (pod ${busy.pod.name} asked for it)`, 'choose another hostPort, or another node with --node')
}

export function requirePod(state: State, namespace: string, name: string): PodRecord {
  const p = state.pods[objKey(namespace, name)]
  if (!p) throw notFound('pod', `${name}" in namespace "${namespace}`, 'mk8s pod list')
  return p
}

/**
 * Delete pods: their containers first (the runtime, one connection per node), then one script per
 * node unwires them and takes them out of services, DNS and host ports.
 */
export async function deletePods(ctx: Ctx, pods: readonly PodRecord[], opts: {program?: boolean} = {}): Promise<void> {
  if (pods.length === 0) return
  requireCluster(ctx.store.read())
  // the intent first: a kill from here on leaves them Terminating, which doctor --fix finishes
  await ctx.store.update((s) => {
    for (const p of pods) if (s.pods[keyOf(p)]?.uid === p.uid) s.pods[keyOf(p)] = {...s.pods[keyOf(p)], phase: 'Terminating', pid: process.pid}
  })
  const state = ctx.store.read()
  const results = await Promise.allSettled(
    [...byNode(pods)].map(async ([n, list]) => {
      const node = state.nodes[n]
      if (node) await ctx.runtime.on(node, async (rt) => {
        for (const p of list) await rt.removePod(p)
      })
      return list
    }),
  )
  const done = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
  await ctx.store.update((s) => {
    // only the very pod deleted: another mk8s may have made a new one of that name meanwhile
    for (const p of done) if (s.pods[keyOf(p)]?.uid === p.uid) delete s.pods[keyOf(p)]
  })
  if (opts.program !== false) await timed('program (pods gone)', () => program(ctx))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
}

export async function deletePod(ctx: Ctx, namespace: string, name: string, o: {program?: boolean} = {}): Promise<PodRecord> {
  const pod = requirePod(ctx.store.read(), namespace, name)
  await deletePods(ctx, [pod], o)
  return pod
}

export function listPods(state: State, namespace: string | undefined, selector?: Record<string, string>): PodRecord[] {
  return Object.values(state.pods)
    .filter((p) => namespace === undefined || p.namespace === namespace)
    .filter((p) => !selector || Object.keys(selector).length === 0 || selects(selector, p.labels))
    .sort((a, b) => objKey(a.namespace, a.name).localeCompare(objKey(b.namespace, b.name)))
}

export interface PodLive {
  pod: PodRecord
  containers: ContainerLive[]
  pause?: ContainerLive
  /** the node could not be asked */
  unknown?: string
}

/** Live container status of pods, asking each node once (in parallel). */
export async function livePods(ctx: Ctx, pods: readonly PodRecord[]): Promise<PodLive[]> {
  const state = ctx.store.read()
  const nodes = [...new Set(pods.map((p) => p.node))]
  const perNode = await Promise.all(
    nodes.map(async (n) => {
      const node = state.nodes[n]
      const mine = pods.filter((p) => p.node === n)
      if (!node) return mine.map((pod) => ({pod, containers: [], unknown: 'node left the cluster'}))
      try {
        return await withDocker(hostOf(node), (docker) => Promise.all(mine.map(async (pod) => ({pod, ...(await inspectPod(docker, pod))}))))
      } catch (error) {
        return mine.map((pod) => ({pod, containers: [], unknown: (error as Error).message}))
      }
    }),
  )
  const byKey = new Map(perNode.flat().map((l) => [objKey(l.pod.namespace, l.pod.name), l]))
  return pods.map((p) => byKey.get(objKey(p.namespace, p.name))!)
}

/** kubectl's STATUS column from live containers. */
export function podStatus(l: PodLive): string {
  if (l.unknown) return 'Unknown'
  if (l.pod.phase !== 'Running') return l.pod.phase
  if (l.pause && !l.pause.running) return 'Error'
  const bad = l.containers.find((c) => !c.running)
  if (!bad) return l.containers.length === l.pod.containers.length ? 'Running' : 'ContainerMissing'
  if (bad.state === 'restarting' || bad.restartCount > 0) return 'CrashLoopBackOff'
  return bad.exitCode === 0 ? 'Completed' : 'Error'
}

export async function describePod(ctx: Ctx, namespace: string, name: string): Promise<PodLive & {logs: Record<string, string>}> {
  const pod = requirePod(ctx.store.read(), namespace, name)
  const [live] = await livePods(ctx, [pod])
  const logs: Record<string, string> = {}
  const node = ctx.store.read().nodes[pod.node]
  const stopped = live.containers.filter((c) => !c.running || c.restartCount > 0)
  if (node && stopped.length) {
    await withDocker(hostOf(node), async (docker) => {
      for (const c of stopped) logs[c.name] = await tailLogs(docker, c.id, 10).catch((e) => `(no logs: ${(e as Error).message})`)
    })
  }
  return {...live, logs}
}

function pickContainer(pod: PodRecord, container?: string): string {
  const names = pod.containers.map((c) => c.name)
  const c = container ?? names[0]
  if (!names.includes(c)) throw new InputError(`pod ${pod.name} has no container "${c}"`, `its containers: ${names.join(', ')}`)
  return containerName(pod, c)
}

export async function execPod(ctx: Ctx, namespace: string, name: string, argv: string[], opts: {container?: string; tty?: boolean}): Promise<number> {
  if (argv.length === 0) throw new InputError('no command given', `e.g. mk8s pod exec ${name} -- ip addr`)
  const state = ctx.store.read()
  const pod = requirePod(state, namespace, name)
  const cname = pickContainer(pod, opts.container)
  const node = requireNode(state, pod.node)
  return hostOf(node).interactive(['docker', 'exec', '-i', ...(opts.tty ? ['-t'] : []), cname, ...argv])
}

export async function podLogs(ctx: Ctx, namespace: string, name: string, opts: {container?: string; follow?: boolean; tail?: number}): Promise<number> {
  const state = ctx.store.read()
  const pod = requirePod(state, namespace, name)
  const cname = pickContainer(pod, opts.container)
  return hostOf(requireNode(state, pod.node)).interactive(['docker', 'logs', ...(opts.follow ? ['-f'] : []), ...(opts.tail !== undefined ? ['--tail', String(opts.tail)] : []), cname])
}

/** On node leave: its pods go (with --force), or the leave is refused while it has any. */
export function podsBlockLeave(state: State, node: NodeRecord, opts: {force?: boolean; reset?: boolean}): void {
  const pods = Object.values(state.pods).filter((p) => p.node === node.name)
  if (pods.length && !opts.force && !opts.reset) {
    throw new InputError(`node ${node.name} still runs ${pods.length} pod(s): ${pods.slice(0, 5).map((p) => p.name).join(', ')}`, `delete them first, or use --force to delete them with the node`)
  }
}

/** A node leaving with --force: its pods go first (their containers, then the state). */
export async function podsForgetNode(ctx: Ctx, node: string): Promise<void> {
  const pods = Object.values(ctx.store.read().pods).filter((p) => p.node === node)
  try {
    await deletePods(ctx, pods, {program: false})
  } finally {
    await ctx.store.update((s) => {
      for (const p of pods) delete s.pods[objKey(p.namespace, p.name)]
    })
  }
}
