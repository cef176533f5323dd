import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {requireCluster} from '../cluster/model.js'
import {InputError, notFound} from '../errors.js'
import {safePoint} from '../interrupt.js'
import {program} from '../pipeline/index.js'
import {createPods, deadPods, deletePods, validatePods} from '../pod/service.js'
import {awaitReadiness} from '../pod/readiness.js'
import {selects, validateLabels} from '../pod/spec.js'
import {objKey, type PodRecord, type State, type StatefulSetRecord} from '../state/schema.js'
import {validateName} from '../util/names.js'
import {ordinalOf, planStatefulSet, podFor, setPods, stepText, wantedOrdinals} from './model.js'

export type StatefulSetInput = Omit<StatefulSetRecord, 'uid' | 'createdAt'>

/** The fields Kubernetes lets an update change; the others are fixed once the StatefulSet exists. */
const FIXED = ['selector', 'serviceName', 'podManagementPolicy'] as const

/** Checks that a StatefulSet is well-formed before anything happens (exit 2 otherwise). */
export function validateStatefulSet(d: StatefulSetInput): void {
  const where = `statefulset ${d.namespace}/${d.name}`
  validateName('statefulset', d.name, 52) // its pods carry controller-revision-hash NAME-HASH, a label value of at most 63
  if (!Number.isInteger(d.replicas) || d.replicas < 0) throw new InputError(`${where}: spec.replicas must be a whole number >= 0`)
  validateLabels(d.labels, `${where} metadata.labels`)
  if (d.serviceName !== undefined) validateName('service', d.serviceName)
  if (Object.keys(d.selector).length === 0) throw new InputError(`${where}: spec.selector.matchLabels is empty`, 'select the pods by the template labels, e.g. matchLabels: {app: web}')
  const t = d.template as {metadata?: {labels?: Record<string, string>}}
  if (!selects(d.selector, t.metadata?.labels ?? {})) throw new InputError(`${where}: spec.selector does not match spec.template.metadata.labels`, 'the template labels must include every selector label')
  // the last pod's name, as every pod's: a DNS label of at most 63 characters
  const record = {...d, uid: '', createdAt: ''}
  validatePods([podFor(record, d.start + Math.max(0, d.replicas - 1))])
}

/** A pod of the set's name that another owner holds (a lone pod web-1) would be taken over: refused. */
function checkNames(state: State, d: StatefulSetInput): void {
  for (const i of wantedOrdinals(d)) {
    const p = state.pods[objKey(d.namespace, `${d.name}-${i}`)]
    if (p && !(p.owner === d.name && p.ownerKind === 'StatefulSet')) {
      throw new InputError(`statefulset ${d.namespace}/${d.name}: pod ${p.name} exists and is not this StatefulSet's`, `delete it first (mk8s pod delete ${p.name} -n ${p.namespace}), or give the StatefulSet another name`)
    }
  }
}

export interface SetResult {
  statefulSet: StatefulSetRecord
  created: PodRecord[]
  deleted: PodRecord[]
}

/**
 * Create or update a StatefulSet and bring its pods to what it asks (see planStatefulSet): pods
 * made in ordinal order, each Running before the next is made, removed in reverse order, and
 * those of an older template replaced highest ordinal first. A command killed part way leaves
 * pods that the next apply clears and makes again.
 */
export async function applyStatefulSet(ctx: Ctx, d: StatefulSetInput): Promise<SetResult & {existed: boolean}> {
  validateStatefulSet(d)
  const before = ctx.store.read()
  requireCluster(before)
  const key = objKey(d.namespace, d.name)
  const old = before.statefulSets[key]
  if (old) {
    for (const f of FIXED) {
      if (JSON.stringify(old[f]) !== JSON.stringify(d[f])) {
        throw new InputError(`statefulset ${d.namespace}/${d.name}: spec.${f} cannot be changed (it was ${JSON.stringify(old[f] ?? null)})`, "as in Kubernetes, a StatefulSet's updates may change replicas, template, updateStrategy, ordinals and minReadySeconds only; delete it first to change the rest")
      }
    }
  }
  checkNames(before, d)
  const record = await ctx.store.update((s) => {
    const cur = s.statefulSets[key]
    s.statefulSets[key] = {...d, uid: cur?.uid ?? randomUUID(), ...(cur?.annotations ? {annotations: cur.annotations} : {}), createdAt: cur?.createdAt ?? new Date().toISOString()}
    return s.statefulSets[key]
  })
  return {statefulSet: record, existed: Boolean(old), ...(await reconcile(ctx, record))}
}

async function reconcile(ctx: Ctx, set: StatefulSetRecord): Promise<{created: PodRecord[]; deleted: PodRecord[]}> {
  // pods left not ready (a wait that ended, a command killed while probing) are probed again first, lowest ordinal first: applying again converges
  const waiting = setPods(ctx.store.read(), set)
    .filter((p) => p.phase === 'Running' && p.ready === false)
    .sort((a, b) => (ordinalOf(set, a.name) ?? 0) - (ordinalOf(set, b.name) ?? 0))
  if (waiting.length) await awaitReadiness(ctx, waiting)
  const owned = setPods(ctx.store.read(), set)
  const steps = planStatefulSet(set, owned, await deadPods(ctx, owned))
  const created: PodRecord[] = []
  const deleted: PodRecord[] = []
  for (const s of steps) {
    ctx.progress(stepText(set, s))
    if (s.t === 'remove-dead' || s.t === 'delete') {
      await deletePods(ctx, s.pods)
      deleted.push(...s.pods)
    } else if (s.t === 'create') {
      created.push(...(await createPods(ctx, s.ordinals.map((i) => podFor(set, i)))))
    } else {
      await deletePods(ctx, [s.pod])
      deleted.push(s.pod)
      created.push(...(await createPods(ctx, [podFor(set, s.ordinal)])))
    }
    safePoint(`statefulset ${set.name}: ${s.t}`)
  }
  if (!steps.length) await program(ctx) // labels may matter to nothing, but a turn costs no round trip when nothing changed
  return {created, deleted}
}

export function requireStatefulSet(state: State, namespace: string, name: string): StatefulSetRecord {
  const d = state.statefulSets[objKey(namespace, name)]
  if (!d) throw notFound('statefulset', `${name}" in namespace "${namespace}`, `mk8s get statefulsets -n ${namespace}`)
  return d
}

/** Delete a StatefulSet and its pods (highest ordinal first, in one turn: nothing is left to order). */
export async function deleteStatefulSet(ctx: Ctx, namespace: string, name: string, o: {program?: boolean} = {}): Promise<StatefulSetRecord> {
  const state = ctx.store.read()
  const set = requireStatefulSet(state, namespace, name)
  await ctx.store.update((s) => {
    delete s.statefulSets[objKey(namespace, name)]
  })
  const pods = setPods(state, set).sort((a, b) => (ordinalOf(set, b.name) ?? -1) - (ordinalOf(set, a.name) ?? -1))
  await deletePods(ctx, pods, o)
  return set
}

export async function scaleStatefulSet(ctx: Ctx, namespace: string, name: string, replicas: number): Promise<SetResult> {
  const set = requireStatefulSet(ctx.store.read(), namespace, name)
  const {uid: _uid, createdAt: _at, ...input} = set
  return applyStatefulSet(ctx, {...input, replicas})
}
