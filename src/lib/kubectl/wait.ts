/**
 * kubectl wait and rollout status: ask the nodes (live containers) until a condition holds or the
 * time is up. Polls once a second; each round asks each node once.
 */
import type {Ctx} from '../context.js'
import {ownedPods, requireDeployment} from '../deploy/service.js'
import {InputError, Mk8sError} from '../errors.js'
import {livePods, podStatus} from '../pod/service.js'
import {podReady} from '../pod/model.js'
import {objKey} from '../state/schema.js'
import {requireStatefulSet} from '../statefulset/service.js'
import {REVISION_LABEL, revisionOf, setPods} from '../statefulset/model.js'
import {qualified} from './kinds.js'
import type {Target} from './verbs.js'

/** Go's durations as kubectl takes them: 30s, 1m, 2m30s, 500ms, 1h; a bare number is seconds. */
export function parseDuration(text: string, flag = '--timeout'): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy
  let ms = 0
  let m: RegExpExecArray | null
  let end = 0
  while ((m = re.exec(text))) {
    ms += Number(m[1]) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] as 'ms']
    end = re.lastIndex
  }
  if (!text || end !== text.length) throw new InputError(`invalid ${flag} ${JSON.stringify(text)}`, 'a duration such as 30s, 2m, 1m30s or 500ms')
  return ms
}

export type WaitFor = {t: 'condition'; condition: string; value: string} | {t: 'delete'}

/** --for=condition=Ready, --for=condition=Available=True, --for=delete. */
export function parseFor(text: string): WaitFor {
  if (text === 'delete') return {t: 'delete'}
  const m = /^condition=([A-Za-z]+)(?:=(True|False|true|false))?$/.exec(text)
  if (!m) throw new InputError(`unrecognized condition: ${JSON.stringify(text)}`, 'e.g. --for=condition=Ready (pods), --for=condition=Available (deployments), --for=delete')
  return {t: 'condition', condition: m[1].toLowerCase(), value: (m[2] ?? 'True').toLowerCase()}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Whether one target meets the condition now. */
async function holds(ctx: Ctx, t: Target, f: WaitFor): Promise<boolean> {
  const state = ctx.store.read()
  const where = t.kind.kind === 'Pod' ? state.pods : t.kind.kind === 'Deployment' ? state.deployments : undefined
  if (!where) throw new InputError(`mk8s waits for pods and deployments, not ${t.kind.plural}`)
  const exists = Boolean(where[objKey(t.namespace, t.name)])
  if (f.t === 'delete') return !exists
  if (!exists) return false
  if (t.kind.kind === 'Pod') {
    if (!['ready', 'containersready', 'podscheduled', 'initialized'].includes(f.condition)) throw new InputError(`pods have no condition "${f.condition}" here`, 'use --for=condition=Ready')
    const pod = state.pods[objKey(t.namespace, t.name)]
    const [live] = await livePods(ctx, [pod])
    // Ready: the containers run and the readinessProbe passed when mk8s last probed it (at its start, or doctor --fix)
    const ready = f.condition === 'podscheduled' || f.condition === 'initialized' ? true : podStatus(live) === 'Running' && podReady(pod)
    return ready === (f.value === 'true')
  }
  if (!['available', 'progressing'].includes(f.condition)) throw new InputError(`deployments have no condition "${f.condition}" here`, 'use --for=condition=Available')
  const {ready, replicas} = await deploymentReady(ctx, t)
  return (ready >= replicas) === (f.value === 'true')
}

/** A deployment's pods whose containers all run (asking the nodes) and whose readinessProbe passed. */
export async function deploymentReady(ctx: Ctx, t: {namespace: string; name: string}) {
  const state = ctx.store.read()
  const d = requireDeployment(state, t.namespace, t.name)
  const pods = ownedPods(state, d)
  const live = await livePods(ctx, pods)
  return {ready: live.filter((l) => podStatus(l) === 'Running' && podReady(l.pod)).length, total: pods.length, replicas: d.replicas}
}

/** Wait until every target meets the condition; kubectl's lines, or its timeout error (exit 1). */
export async function waitTargets(ctx: Ctx, targets: Target[], f: WaitFor, timeoutMs: number, onLine: (l: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const left = [...targets]
  for (;;) {
    for (const t of [...left]) {
      if (await holds(ctx, t, f)) {
        onLine(`${qualified(t.kind)}/${t.name} condition met`)
        left.splice(left.indexOf(t), 1)
      }
    }
    if (!left.length) return
    if (Date.now() >= deadline) throw new Mk8sError(`timed out waiting for the condition on ${left.map((t) => `${t.kind.plural}/${t.name}`).join(', ')}`, {hint: 'see why with mk8s describe pod NAME; give more time with --timeout'})
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())))
  }
}

/** A StatefulSet's pods as kubectl's rollout status counts them: ready ones, and those at the set's current revision. */
export async function statefulSetReady(ctx: Ctx, t: {namespace: string; name: string}) {
  const state = ctx.store.read()
  const set = requireStatefulSet(state, t.namespace, t.name)
  const pods = setPods(state, set)
  const live = await livePods(ctx, pods)
  const revision = revisionOf(set)
  return {ready: live.filter((l) => podStatus(l) === 'Running' && podReady(l.pod)).length, updated: pods.filter((p) => p.labels[REVISION_LABEL] === revision).length, total: pods.length, replicas: set.replicas, revision, strategy: set.updateStrategy}
}

/** kubectl's rollout status lines for a StatefulSet (its status viewer's): undefined once rolled out. */
async function statefulSetLine(ctx: Ctx, t: Target): Promise<{done: boolean; line: string}> {
  const s = await statefulSetReady(ctx, t)
  if (s.strategy !== 'RollingUpdate') throw new InputError('rollout status is only available for RollingUpdate strategy type', `statefulset ${t.name} updates ${s.strategy}: see its pods with mk8s get pods -l ...`)
  if (s.ready < s.replicas) return {done: false, line: `Waiting for ${s.replicas - s.ready} pods to be ready...`}
  if (s.updated < s.replicas || s.total !== s.replicas) return {done: false, line: `waiting for statefulset rolling update to complete ${s.updated} pods at revision ${s.revision}...`}
  return {done: true, line: `statefulset rolling update complete ${s.replicas} pods at revision ${s.revision}...`}
}

/** kubectl rollout status: wait until the deployment's (or statefulset's) pods all run and are ready. 0 = no limit. */
export async function rolloutStatus(ctx: Ctx, t: Target, timeoutMs: number, watch: boolean, onLine: (l: string) => void): Promise<boolean> {
  const deadline = timeoutMs ? Date.now() + timeoutMs : Infinity
  let last = ''
  if (t.kind.kind === 'StatefulSet') {
    for (;;) {
      const {done, line} = await statefulSetLine(ctx, t)
      if (done || line !== last) onLine(line)
      if (done) return true
      last = line
      if (!watch) return false
      if (Date.now() >= deadline) throw new Mk8sError(`timed out waiting for the rollout of statefulset "${t.name}"`, {hint: `see its pods with mk8s get pods -l ...; mk8s describe statefulset ${t.name}`})
      await sleep(1000)
    }
  }
  for (;;) {
    const {ready, total, replicas} = await deploymentReady(ctx, t)
    if (ready >= replicas && total === replicas) {
      onLine(`deployment "${t.name}" successfully rolled out`)
      return true
    }
    const line = total > replicas ? `Waiting for deployment "${t.name}" rollout to finish: ${total - replicas} old replicas are pending termination...` : `Waiting for deployment "${t.name}" rollout to finish: ${ready} of ${replicas} updated replicas are available...`
    if (line !== last) onLine(line)
    last = line
    if (!watch) return false
    if (Date.now() >= deadline) throw new Mk8sError(`timed out waiting for the rollout of deployment "${t.name}"`, {hint: `see its pods with mk8s get pods -l ...; mk8s describe deployment ${t.name}`})
    await sleep(1000)
  }
}
