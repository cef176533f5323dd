import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {hostOf, requireCluster, requireNode, sortedNodes} from '../cluster/hosts.js'
import {InputError, Mk8sError, notFound} from '../errors.js'
import {objectsChanged as notifyObjectsChanged} from '../node/hooks.js'
import {withDocker} from '../runtime/docker.js'
import {objKey, type Cluster, type NodeRecord, type PodRecord, type State} from '../state/schema.js'
import {validateName} from '../util/names.js'
import {allocatePodIP, pickNode} from './ipam.js'
import {cniAddPlan, cniDelPlan, cniPortmapPlan, containerName, hostVethName, loopbackOnlyPlan, podMtu, unwirePlan, wirePlan} from './plan.js'
import {takenHostPorts} from '../hostport/plan.js'
import {step, type Captured} from '../host/plan.js'
import {podDns} from '../dns/resolv.js'
import {podIdentity} from './identity.js'
import {podEnv} from './env.js'
import {describeCreate, findPause, inspectPod, removePodContainers, startContainers, startPause, tailLogs, type ContainerLive} from './runtime.js'
import {parsePodSpec, selects, validateLabels, type PodSpec} from './spec.js'

export interface PodInput {
  namespace: string
  name: string
  labels: Record<string, string>
  spec: unknown
  owner?: string
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

/**
 * Tell the other areas (services, DNS, host ports) that pods changed. Under --dry-run nothing was
 * saved, so the caller gives the state the change would make, and the areas show their commands.
 */
export async function objectsChanged(ctx: Ctx, before: State, wouldBe?: (s: State) => void): Promise<void> {
  let after = ctx.store.read()
  if (ctx.dryRun) {
    if (!wouldBe) return
    after = structuredClone(before)
    wouldBe(after)
  }
  await notifyObjectsChanged(ctx, before, after)
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

/**
 * Create pods: reserve names, nodes and addresses under the lock; then, per node in parallel,
 * start each pod's pause container, wire its namespace, start its containers; then record them
 * Running and let services follow. A pod that fails is removed again, leaving no trace.
 */
export async function createPods(ctx: Ctx, inputs: readonly PodInput[], opts: {node?: string; replaceOwned?: boolean} = {}): Promise<PodRecord[]> {
  const pods = validatePods(inputs)
  await removeAbandoned(ctx, pods)
  const before = ctx.store.read()
  const cluster = requireCluster(before)
  if (opts.node) requireNode(before, opts.node)
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
        spec: {...p.parsed, nodeName: node.name} as Record<string, unknown>,
        owner: p.owner,
        phase: 'Pending',
        pid: process.pid,
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
  const byNode = new Map<string, PodRecord[]>()
  for (const r of reserved) byNode.set(r.node, [...(byNode.get(r.node) ?? []), r])
  const results = await Promise.allSettled(
    [...byNode].map(([nodeName, list]) => startOnNode(ctx, cluster, before.nodes[nodeName] ?? ctx.store.read().nodes[nodeName], list)),
  )
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : ((r.reason as {started?: PodRecord[]})?.started ?? [])))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  await ctx.store.update((s) => {
    for (const r of reserved) delete s.pods[objKey(r.namespace, r.name)]
    for (const r of started) s.pods[objKey(r.namespace, r.name)] = r
  })
  if (started.length) {
    await objectsChanged(ctx, before, (s) => {
      for (const r of started) s.pods[objKey(r.namespace, r.name)] = {...r, phase: 'Running'}
    })
  }
  if (failed) throw failed.reason
  return started
}

/** Is the process that made a Pending pod gone (killed part way)? Without a pid: Pending for longer than a lock's stale time. */
export function abandoned(p: PodRecord, now = Date.now()): boolean {
  if (p.phase !== 'Pending') return false
  if (p.pid === undefined) return now - Date.parse(p.createdAt) > 15_000
  if (p.pid === process.pid) return false
  try {
    process.kill(p.pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Pods of these names left Pending by a killed mk8s are cleaned away first, so that the name can be used again. */
async function removeAbandoned(ctx: Ctx, pods: readonly PodInput[]): Promise<void> {
  const state = ctx.store.read()
  const left = pods.map((p) => state.pods[objKey(p.namespace, p.name)]).filter((p): p is PodRecord => p !== undefined && abandoned(p))
  if (left.length === 0 || ctx.dryRun) return
  ctx.progress(`removing what an interrupted mk8s left of ${left.map((p) => `pod ${p.namespace}/${p.name}`).join(', ')}`)
  await deletePods(ctx, left)
}

async function startOnNode(ctx: Ctx, cluster: Cluster, node: NodeRecord, pods: PodRecord[]): Promise<PodRecord[]> {
  const host = hostOf(node)
  const mtu = podMtu(cluster, node)
  await checkHostPortsFree(ctx, node, pods)
  if (ctx.dryRun) {
    for (const p of pods) {
      ctx.exec.show(host, describeCreate(p, p.spec as PodSpec, podDns(cluster, p.namespace), podIdentity(p, cluster)))
      await ctx.exec.apply(host, networkPlan(cluster, node, p, mtu, '$PAUSE_ID', 0).map((s) => ({...s, argv: s.argv.map((a) => a.replace(/^0$/, '$PAUSE_PID'))})))
    }
    return pods
  }
  return withDocker(host, async (docker) => {
    const out: PodRecord[] = []
    for (const p of pods) {
      const spec = p.spec as PodSpec
      try {
        const pause = await startPause(docker, node.name, p, podDns(cluster, p.namespace), podIdentity(p, cluster))
        const res = checkCni(node.name, await ctx.exec.apply(host, networkPlan(cluster, node, p, mtu, pause.id, pause.pid)))
        if (cluster.driver === 'cni' && p.network === 'pod' && portMappings(p).length) {
          checkCni(node.name, await ctx.exec.apply(host, cniPortmapPlan('ADD', portMappings(p), pause.id, pause.pid, JSON.parse(res.get(1)?.output || '{}'))))
        }
        const containers = await startContainers(docker, node.name, p, spec, pause.id)
        out.push({...p, phase: 'Running', pid: undefined, pauseId: pause.id, containers})
      } catch (error) {
        await cleanupPod(ctx, cluster, node, p).catch(() => {})
        if (out.length) (error as {started?: PodRecord[]}).started = out
        throw error
      }
    }
    return out
  })
}

/** How a pod's namespace gets its network: the ip or cni driver, only lo, or nothing (host network). */
function networkPlan(cluster: Cluster, node: NodeRecord, p: PodRecord, mtu: number, pauseId: string, pid: number) {
  if (p.network === 'host') return []
  if (p.network === 'none') return loopbackOnlyPlan(pid)
  return cluster.driver === 'cni' ? cniAddPlan(p, node, mtu, pauseId, pid) : wirePlan({pod: p, node, pid, mtu})
}

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

/** CNI plugins answer errors as JSON on stdout with a non-zero exit: raise the first one. */
function checkCni(node: string, res: Map<number, Captured>): Map<number, Captured> {
  for (const [, r] of res) {
    if (r.code === 0) continue
    let msg = r.output.trim()
    try {
      const e = JSON.parse(msg) as {msg?: string; details?: string}
      msg = [e.msg, e.details].filter(Boolean).join(': ')
    } catch {}
    throw new Mk8sError(`a CNI plugin failed on node ${node}: ${msg}`, {hint: 'the plugins live in /usr/lib/cni (Debian package containernetworking-plugins)'})
  }
  return res
}

export const portMappings = (p: PodRecord) =>
  ((p.spec as PodSpec).containers ?? []).flatMap((c) => (c.ports ?? []).filter((x) => x.hostPort).map((x) => ({hostPort: x.hostPort!, containerPort: x.containerPort, protocol: x.protocol.toLowerCase()})))

/** Remove every trace of a pod on its node: containers (by label), its veth, the CNI lease. */
async function cleanupPod(ctx: Ctx, cluster: Cluster, node: NodeRecord, pod: PodRecord): Promise<void> {
  const host = hostOf(node)
  const mtu = podMtu(cluster, node)
  if (ctx.dryRun) {
    ctx.exec.show(host, [`docker rm -f $(docker ps -aq --filter label=io.mk8s.pod=${pod.namespace}/${pod.name})`])
    if (pod.network === 'pod') await ctx.exec.apply(host, cluster.driver === 'cni' ? cniDelPlan(node, mtu, pod.pauseId ?? '$PAUSE_ID', '') : unwirePlan(pod))
    return
  }
  await withDocker(host, async (docker) => {
    // a pod left Pending by a killed mk8s has no pauseId recorded: its pause container has the labels
    const pauseId = pod.pauseId ?? (cluster.driver === 'cni' && pod.network === 'pod' ? await findPause(docker, pod) : undefined)
    if (cluster.driver === 'cni' && pauseId && pod.network === 'pod') {
      const pid = await docker.getContainer(pauseId).inspect().then((i) => i.State.Pid, () => 0)
      const ns = pid ? `/proc/${pid}/ns/net` : ''
      const maps = portMappings(pod)
      await ctx.exec.apply(host, [...(maps.length ? cniPortmapPlan('DEL', maps, pauseId, ns) : []), ...cniDelPlan(node, mtu, pauseId, ns)])
    }
    await removePodContainers(docker, pod)
  })
  if (pod.network === 'pod' && cluster.driver === 'ip') await ctx.exec.apply(host, unwirePlan(pod))
}

export function requirePod(state: State, namespace: string, name: string): PodRecord {
  const p = state.pods[objKey(namespace, name)]
  if (!p) throw notFound('pod', `${name}" in namespace "${namespace}`, 'mk8s pod list')
  return p
}

/** Delete pods: their containers, veths and addresses, then services follow. */
export async function deletePods(ctx: Ctx, pods: readonly PodRecord[]): Promise<void> {
  if (pods.length === 0) return
  const before = ctx.store.read()
  const cluster = requireCluster(before)
  const results = await Promise.allSettled(
    pods.map(async (p) => {
      const node = before.nodes[p.node]
      if (node) await cleanupPod(ctx, cluster, node, p)
      return p
    }),
  )
  const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  await ctx.store.update((s) => {
    // only the very pod deleted: another mk8s may have made a new one of that name meanwhile
    for (const p of done) if (s.pods[objKey(p.namespace, p.name)]?.uid === p.uid) delete s.pods[objKey(p.namespace, p.name)]
  })
  await objectsChanged(ctx, before, (s) => {
    for (const p of done) delete s.pods[objKey(p.namespace, p.name)]
  })
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
}

export async function deletePod(ctx: Ctx, namespace: string, name: string): Promise<PodRecord> {
  const pod = requirePod(ctx.store.read(), namespace, name)
  await deletePods(ctx, [pod])
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

export async function podsForgetNode(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  const pods = Object.values(state.pods).filter((p) => p.node === node.name)
  try {
    await deletePods(ctx, pods)
  } finally {
    await ctx.store.update((s) => {
      for (const p of pods) delete s.pods[objKey(p.namespace, p.name)]
    })
  }
}
