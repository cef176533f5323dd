import type {PodRecord, State} from '../state/schema.js'
import {ownerGone} from '../util/owner.js'

/** Is the process that was making (Pending) or deleting (Terminating) a pod gone, killed part way? */
export const abandoned = (p: PodRecord, now = Date.now()): boolean => (p.phase === 'Pending' || p.phase === 'Terminating') && ownerGone(p.pid, p.createdAt, now)

/**
 * The state with every pod a live mk8s is starting (Pending, its pause container up, its app
 * containers to come) as it will be once they run: wired, an endpoint, in DNS. pod run records its
 * sandboxes and then waits for a programming turn; whichever process's turn comes first programs
 * the pods of all of them, and the others' turns find nothing left to do. A pod whose maker was
 * killed is not (doctor --fix removes it).
 */
export function starting(s: State, now = Date.now()): State {
  const keys = Object.keys(s.pods).filter((k) => {
    const p = s.pods[k]
    return p.phase === 'Pending' && p.pauseId !== undefined && !abandoned(p, now)
  })
  if (keys.length === 0) return s
  const pods = {...s.pods}
  for (const k of keys) pods[k] = {...pods[k], phase: 'Running'}
  return {...s, pods}
}

/** Does any container of the pod have a readinessProbe? */
export const hasReadinessProbe = (p: Pick<PodRecord, 'spec'>): boolean => (p.spec.containers ?? []).some((c) => c.readinessProbe)

/** Is the pod ready, as the endpoints controller asks: Running, and its readinessProbe passed (or it has none). */
export const podReady = (p: PodRecord): boolean => p.phase === 'Running' && p.ready !== false

/** kubectl's containerStatuses[].ready: the container runs and, when it has a readinessProbe, the pod's probes passed. */
export const containerReady = (p: PodRecord, container: string, running: boolean): boolean => {
  const c = (p.spec.containers ?? []).find((x) => x.name === container)
  return running && (!c?.readinessProbe || p.ready !== false)
}
