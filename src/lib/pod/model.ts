import type {PodRecord} from '../state/schema.js'
import {ownerGone} from '../util/owner.js'

/** Is the process that was making (Pending) or deleting (Terminating) a pod gone, killed part way? */
export const abandoned = (p: PodRecord, now = Date.now()): boolean => (p.phase === 'Pending' || p.phase === 'Terminating') && ownerGone(p.pid, p.createdAt, now)
