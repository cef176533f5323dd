import type {PodRecord} from '../state/schema.js'
import {ownerGone} from '../util/owner.js'

/** Is the process that was making (Pending) or deleting (Terminating) a pod gone, killed part way? */
export const abandoned = (p: PodRecord, now = Date.now()): boolean => (p.phase === 'Pending' || p.phase === 'Terminating') && ownerGone(p.pid, p.createdAt, now)

/** Does any container of the pod have a readinessProbe? */
export const hasReadinessProbe = (p: Pick<PodRecord, 'spec'>): boolean => (p.spec.containers ?? []).some((c) => c.readinessProbe)

/** Is the pod ready, as the endpoints controller asks: Running, and its readinessProbe passed (or it has none). */
export const podReady = (p: PodRecord): boolean => p.phase === 'Running' && p.ready !== false

/** kubectl's containerStatuses[].ready: the container runs and, when it has a readinessProbe, the pod's probes passed. */
export const containerReady = (p: PodRecord, container: string, running: boolean): boolean => {
  const c = (p.spec.containers ?? []).find((x) => x.name === container)
  return running && (!c?.readinessProbe || p.ready !== false)
}
