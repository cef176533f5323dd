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
