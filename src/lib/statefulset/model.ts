/**
 * A StatefulSet's pods as Kubernetes documents them (OrderedReady pod management): pods
 * NAME-0..NAME-(N-1), each with hostname NAME-i and the governing Service as subdomain, made in
 * order (each Running before the next is made) and removed in reverse order; a pod of an older
 * template is replaced highest ordinal first, one at a time. Pure: the state in, the steps out.
 */
import {createHash} from 'node:crypto'
import type {PodRecord, State, StatefulSetRecord} from '../state/schema.js'

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name'
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index'
export const REVISION_LABEL = 'controller-revision-hash'

type SetRef = Pick<StatefulSetRecord, 'namespace' | 'name'>
type Template = {metadata?: {labels?: Record<string, string>}; spec?: Record<string, unknown>}

/** controller-revision-hash, as Kubernetes labels a StatefulSet's pods: NAME-HASH of the template. */
export const revisionOf = (set: Pick<StatefulSetRecord, 'name' | 'template'>): string =>
  `${set.name}-${createHash('sha256').update(JSON.stringify(set.template)).digest('hex').slice(0, 10)}`

/** The pods a StatefulSet made. */
export const setPods = (state: State, set: SetRef): PodRecord[] =>
  Object.values(state.pods).filter((p) => p.namespace === set.namespace && p.owner === set.name && p.ownerKind === 'StatefulSet')

/** The ordinal in a pod's name (web-2 of web: 2), or undefined when the name is not NAME-ORDINAL. */
export function ordinalOf(set: Pick<StatefulSetRecord, 'name'>, podName: string): number | undefined {
  const m = /^(.*)-(0|[1-9][0-9]*)$/.exec(podName)
  return m && m[1] === set.name ? Number(m[2]) : undefined
}

/** The ordinals a StatefulSet keeps: start..start+replicas-1. */
export const wantedOrdinals = (set: Pick<StatefulSetRecord, 'replicas' | 'start'>): number[] => Array.from({length: set.replicas}, (_, i) => set.start + i)

/** The pod of one ordinal, as the StatefulSet controller makes it: its name, identity labels, hostname and subdomain. */
export function podFor(set: StatefulSetRecord, ordinal: number) {
  const t = set.template as Template
  const name = `${set.name}-${ordinal}`
  return {
    namespace: set.namespace,
    name,
    labels: {...(t.metadata?.labels ?? {}), [REVISION_LABEL]: revisionOf(set), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal)},
    spec: {...(t.spec ?? {}), hostname: name, ...(set.serviceName ? {subdomain: set.serviceName} : {})},
    owner: set.name,
    ownerKind: 'StatefulSet' as const,
  }
}

export type SetStep =
  /** pods that will never run (killed part way, failed, their containers gone): removed first, all at once */
  | {t: 'remove-dead'; pods: PodRecord[]}
  | {t: 'create'; ordinals: number[]}
  /** scale down: ordinals outside the wanted range */
  | {t: 'delete'; pods: PodRecord[]}
  /** a pod of an older template: deleted, then made again with the same name */
  | {t: 'replace'; pod: PodRecord; ordinal: number}

/**
 * The steps that bring a StatefulSet's pods to what it asks, in Kubernetes' order: the dead are
 * cleared; missing ordinals are made lowest first (OrderedReady: one step each, so that each is
 * Running before the next is made; Parallel: one step); pods beyond the replicas are deleted
 * highest first (OrderedReady: one each); then, under RollingUpdate, pods of an older template are
 * replaced highest ordinal first, one at a time (OnDelete: only a pod that was deleted is made new).
 * `dead` holds the uids of pods that will never be Running; a pod Terminating under another live
 * mk8s is left to it.
 */
export function planStatefulSet(set: StatefulSetRecord, owned: readonly PodRecord[], dead: ReadonlySet<string>): SetStep[] {
  const steps: SetStep[] = []
  const gone = owned.filter((p) => dead.has(p.uid))
  if (gone.length) steps.push({t: 'remove-dead', pods: [...gone].sort(byOrdinal(set))})
  const live = owned.filter((p) => !dead.has(p.uid))
  const wanted = wantedOrdinals(set)
  const present = new Set(live.map((p) => ordinalOf(set, p.name)))
  const parallel = set.podManagementPolicy === 'Parallel'
  const missing = wanted.filter((i) => !present.has(i))
  if (missing.length) steps.push(...(parallel ? [{t: 'create' as const, ordinals: missing}] : missing.map((i) => ({t: 'create' as const, ordinals: [i]}))))
  const mine = live.filter((p) => p.phase !== 'Terminating')
  const keep = new Set(wanted)
  const condemned = mine.filter((p) => !keep.has(ordinalOf(set, p.name) ?? -1)).sort(byOrdinal(set)).reverse()
  if (condemned.length) steps.push(...(parallel ? [{t: 'delete' as const, pods: condemned}] : condemned.map((p) => ({t: 'delete' as const, pods: [p]}))))
  if (set.updateStrategy === 'RollingUpdate') {
    const revision = revisionOf(set)
    const stale = mine.filter((p) => keep.has(ordinalOf(set, p.name) ?? -1) && p.labels[REVISION_LABEL] !== revision).sort(byOrdinal(set)).reverse()
    for (const p of stale) steps.push({t: 'replace', pod: p, ordinal: ordinalOf(set, p.name)!})
  }
  return steps
}

const byOrdinal = (set: Pick<StatefulSetRecord, 'name'>) => (a: PodRecord, b: PodRecord) => (ordinalOf(set, a.name) ?? -1) - (ordinalOf(set, b.name) ?? -1) || a.name.localeCompare(b.name)

/** One line per step, for progress and the planner's golden tests. */
export function stepText(set: Pick<StatefulSetRecord, 'name'>, s: SetStep): string {
  const names = (ps: readonly PodRecord[]) => ps.map((p) => p.name).join(', ')
  switch (s.t) {
    case 'remove-dead':
      return `statefulset ${set.name}: removing what will never run of ${names(s.pods)}`
    case 'create':
      return `statefulset ${set.name}: creating pod ${s.ordinals.map((i) => `${set.name}-${i}`).join(', ')}`
    case 'delete':
      return `statefulset ${set.name}: deleting pod ${names(s.pods)}`
    case 'replace':
      return `statefulset ${set.name}: replacing pod ${s.pod.name} (an older template)`
  }
}
