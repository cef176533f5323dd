/**
 * Readiness, as mk8s keeps it without a kubelet: a pod with a readinessProbe is recorded Running
 * but not ready when its containers start (so no Service sends it traffic); the command that
 * started it probes it from its node until the probe passes (then the pod is marked ready and the
 * pipeline makes it an endpoint) or the wait ends (--wait-ready-timeout; the pod stays not ready).
 * After that, mk8s probes a pod again only when asked: `mk8s doctor` re-runs the probes of running
 * pods, and `doctor --fix` marks a pod ready when its probe passes, not ready when it fails.
 * Nothing watches a pod continuously.
 */
import type {Ctx} from '../context.js'
import {hostOf} from '../cluster/hosts.js'
import {interrupted, safePoint} from '../interrupt.js'
import {program} from '../pipeline/index.js'
import {objKey, type PodRecord, type State} from '../state/schema.js'
import {hasReadinessProbe} from './model.js'
import {probeOutcome, probeStep, recheck, untilReady, type Clock, type ProbeResult, type Verdict} from './probe.plan.js'
import type {Container} from './spec.js'

/** How long a command that starts pods waits for their readiness probes by default. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000

/** Real time; a sleep wakes early once a signal asked the command to stop. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms) => {
    const end = Date.now() + ms
    while (Date.now() < end && !interrupted()) await new Promise((r) => setTimeout(r, Math.min(250, end - Date.now())))
  },
}

const keyOf = (p: {namespace: string; name: string}) => objKey(p.namespace, p.name)
const probed = (p: PodRecord): Container[] => (p.spec.containers ?? []).filter((c) => c.readinessProbe)

/** One attempt of one container's probe, on the pod's node (a read: one round trip). */
async function attemptOnce(ctx: Ctx, state: State, pod: PodRecord, c: Container): Promise<ProbeResult> {
  const node = state.nodes[pod.node]
  if (!node) return {ok: false, detail: `node ${pod.node} is not in the cluster`}
  const s = probeStep(pod, c)
  if ('error' in s) return {ok: false, detail: s.error}
  try {
    const got = await ctx.exec.read(hostOf(node), [s])
    return probeOutcome(pod, c, got.get(0))
  } catch (error) {
    return {ok: false, detail: `node ${pod.node} could not be asked: ${(error as Error).message.split('\n')[0]}`}
  }
}

/** The pod's verdict from its containers': ready when every probed container is; the detail of the first that is not (or the last that passed). */
function podVerdict(containers: Container[], verdicts: Verdict[]): {ready: boolean; detail: string} {
  if (!containers.length) return {ready: true, detail: 'no container has a readinessProbe'}
  const bad = verdicts.findIndex((v) => !v.ready)
  const at = bad >= 0 ? bad : verdicts.length - 1
  const v = verdicts[at]
  const detail = `container ${containers[at].name}: ${v.last?.detail ?? 'not probed yet (initialDelaySeconds is longer than the wait)'}`
  return {ready: bad < 0, detail}
}

/** Record pods' readiness (only the very pods: same uid, still Running) and their last probe. */
async function record(ctx: Ctx, marks: ReadonlyArray<{pod: PodRecord; ready: boolean; detail: string; ok?: boolean}>): Promise<void> {
  if (!marks.length) return
  const at = new Date().toISOString()
  await ctx.store.update((s) => {
    for (const m of marks) {
      const p = s.pods[keyOf(m.pod)]
      if (!p || p.uid !== m.pod.uid || p.phase !== 'Running') continue
      p.ready = m.ready
      p.probe = {ok: m.ok ?? m.ready, at, detail: m.detail}
    }
  })
}

/** program(ctx) once at a time, however many pods become ready meanwhile: a call while one waits joins it. */
function programmer(ctx: Ctx): {kick: () => void; settle: () => Promise<void>} {
  let tail: Promise<unknown> = Promise.resolve()
  let queued: Promise<unknown> | undefined
  let failure: unknown
  return {
    kick() {
      if (queued) return
      queued = tail.then(() => {
        queued = undefined
        return program(ctx)
      })
      tail = queued.catch((e) => (failure ??= e))
    },
    async settle() {
      await tail
      if (failure) throw failure
    },
  }
}

/**
 * The pods just started (Running, not ready) probed until ready or until the wait ends, all at
 * once; each pod is made an endpoint as soon as it is ready. Returns the pods as recorded after.
 * A kill while probing leaves them Running and not ready: doctor --fix, or applying again, probes
 * them again.
 */
export async function awaitReadiness(ctx: Ctx, pods: readonly PodRecord[], o: {timeoutMs?: number; clock?: Clock} = {}): Promise<PodRecord[]> {
  const timeoutMs = o.timeoutMs ?? ctx.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  const clock = o.clock ?? realClock
  const state = ctx.store.read()
  const waiting = pods.map((p) => state.pods[keyOf(p)]).filter((p): p is PodRecord => p !== undefined && pods.some((x) => x.uid === p.uid) && p.phase === 'Running' && p.ready === false)
  const after = () => {
    const now = ctx.store.read()
    return pods.map((p) => (now.pods[keyOf(p)]?.uid === p.uid ? now.pods[keyOf(p)] : p))
  }
  if (ctx.dryRun || waiting.length === 0) return after()
  if (timeoutMs <= 0) {
    ctx.progress(`not waiting for the readiness probes of ${waiting.length} pod(s): they stay not ready (no endpoint) until mk8s doctor --fix probes them`)
    return after()
  }
  ctx.progress(`probing the readiness of ${waiting.map((p) => `pod ${p.namespace}/${p.name}`).join(', ')} (up to ${Math.round(timeoutMs / 1000)}s)`)
  const deadline = clock.now() + timeoutMs
  const prog = programmer(ctx)
  await Promise.all(waiting.map(async (pod) => {
    const containers = probed(pod)
    const verdicts = await Promise.all(containers.map((c) => untilReady(c.readinessProbe!, () => attemptOnce(ctx, state, pod, c), clock, deadline, () => interrupted() !== undefined)))
    const v = podVerdict(containers, verdicts)
    await record(ctx, [{pod, ...v}])
    if (v.ready) {
      ctx.progress(`pod ${pod.namespace}/${pod.name} is ready (${v.detail}): programming it as an endpoint`)
      prog.kick()
    }
  }))
  await prog.settle()
  safePoint('probed')
  return after()
}

export interface ProbeLook {
  pod: PodRecord
  /** how the pod stands in the state */
  wasReady: boolean
  /** how it should stand, from its probes now */
  ready: boolean
  detail: string
}

/**
 * doctor's probes: every Running pod with a readinessProbe (but those in `skip`, which doctor
 * starts again anyway) probed again on its node, all at once, with the thresholds (see recheck).
 */
export async function lookAgain(ctx: Ctx, state: State, skip: ReadonlySet<string> = new Set(), clock: Clock = realClock): Promise<ProbeLook[]> {
  const pods = Object.values(state.pods).filter((p) => p.phase === 'Running' && hasReadinessProbe(p) && state.nodes[p.node] && !skip.has(p.uid))
  return Promise.all(pods.map(async (pod) => {
    const wasReady = pod.ready !== false
    const containers = probed(pod)
    const verdicts = await Promise.all(containers.map((c) => recheck(c.readinessProbe!, wasReady, () => attemptOnce(ctx, state, pod, c), clock)))
    return {pod, wasReady, ...podVerdict(containers, verdicts)}
  }))
}

/** doctor --fix: pods marked ready or not ready as their probes said, then the endpoints programmed. */
export async function markReadiness(ctx: Ctx, looks: ReadonlyArray<{pod: PodRecord; ready: boolean; detail: string}>): Promise<void> {
  if (!looks.length || ctx.dryRun) return
  await record(ctx, looks)
  await program(ctx)
}
