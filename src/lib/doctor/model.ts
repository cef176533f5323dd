import type {Plan} from '../host/plan.js'
import type {State} from '../state/schema.js'
import type {HostFacts} from '../trace/facts.js'
import type {DockerFacts, NodeExtras} from './reads.js'

export type Severity = 'error' | 'warning' | 'info'

/** One thing doctor found: what, where, the evidence read from the host, and the fix. */
export interface Finding {
  /** stable identifier of the check, e.g. "ip-forward-off" */
  id: string
  severity: Severity
  node?: string
  /** the object concerned: a sysctl, a chain, a pod, a container, a route... */
  object: string
  evidence: string
  /** what to do, in words (and commands) */
  fix: string
  /** doctor --fix applies it: it only touches what mk8s owns or a kernel setting mk8s needs */
  safe: boolean
  /** the commands --fix runs on `node` (safe findings only) */
  plan?: Plan
  /** what --fix does to a pod through the pod service instead (safe findings only) */
  repair?: PodRepair
}

/**
 * A pod whose record and containers disagree is resolved as kubelet would: started again from its
 * spec on its node with its address, or, when a delete was cut short, deleted for good. A pod
 * whose readinessProbe now says otherwise than its record is marked ready or not ready.
 */
export interface PodRepair {
  kind: 'restart' | 'finish-delete' | 'mark-ready' | 'mark-not-ready'
  /** namespace/name */
  pod: string
  uid: string
  /** mark-ready, mark-not-ready: what the probe said */
  detail?: string
}

/** What every check sees: the state and what each readable node holds. */
export interface Inputs {
  state: State
  facts: ReadonlyMap<string, HostFacts>
  docker: ReadonlyMap<string, DockerFacts>
  extras: ReadonlyMap<string, NodeExtras>
}

export type Check = (i: Inputs) => Finding[]

export interface DoctorReport {
  ok: boolean
  findings: Array<Omit<Finding, 'plan' | 'repair'> & {commands?: string[]; repair?: string}>
  /** --fix: the findings it fixed, and those it left to the user */
  fixed?: string[]
  left?: string[]
  notes: string[]
}
