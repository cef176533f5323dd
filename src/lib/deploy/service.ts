import {createHash, randomBytes, randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {requireCluster} from '../cluster/model.js'
import {InputError, notFound} from '../errors.js'
import {createPods, deadPods, deletePods, validatePods} from '../pod/service.js'
import {program} from '../pipeline/index.js'
import {awaitReadiness} from '../pod/readiness.js'
import {selects, validateLabels} from '../pod/spec.js'
import {objKey, type DeploymentRecord, type PodRecord, type State} from '../state/schema.js'

export interface DeploymentInput {
  namespace: string
  name: string
  labels: Record<string, string>
  replicas: number
  selector: Record<string, string>
  template: {metadata?: {labels?: Record<string, string>}; spec: unknown}
}

/** pod-template-hash, as Kubernetes labels a ReplicaSet's pods: a change of template makes new pods. */
export const templateHash = (template: unknown): string => createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10)

const podName = (deploy: string, hash: string) => `${deploy}-${hash.slice(0, 8)}-${randomBytes(3).toString('hex').slice(0, 5)}`

export function ownedPods(state: State, d: {namespace: string; name: string}): PodRecord[] {
  return Object.values(state.pods).filter((p) => p.namespace === d.namespace && p.owner === d.name && p.ownerKind === undefined)
}

/** Checks that a deployment is well-formed before anything happens (exit 2 otherwise). */
export function validateDeployment(d: DeploymentInput): void {
  const where = `deployment ${d.namespace}/${d.name}`
  if (!Number.isInteger(d.replicas) || d.replicas < 0) throw new InputError(`${where}: replicas must be a whole number >= 0`)
  validateLabels(d.labels, `${where} metadata.labels`)
  if (Object.keys(d.selector).length === 0) throw new InputError(`${where}: spec.selector.matchLabels is empty`, 'select the pods by the template labels, e.g. matchLabels: {app: web}')
  if (!selects(d.selector, d.template.metadata?.labels ?? {})) {
    throw new InputError(`${where}: spec.selector does not match spec.template.metadata.labels`, 'the template labels must include every selector label')
  }
  validatePods([{namespace: d.namespace, name: `${d.name}-x`, labels: d.template.metadata?.labels ?? {}, spec: d.template.spec}])
}

/**
 * Create or update a deployment and bring its pods to the wanted count: pods of an older template
 * are replaced, extra pods deleted (newest first), missing ones created, spread over the nodes.
 */
export async function applyDeployment(ctx: Ctx, d: DeploymentInput): Promise<{deployment: DeploymentRecord; created: PodRecord[]; deleted: PodRecord[]}> {
  validateDeployment(d)
  const before = ctx.store.read()
  requireCluster(before)
  const hash = templateHash(d.template)
  const record = await ctx.store.update((s) => {
    const key = objKey(d.namespace, d.name)
    const old = s.deployments[key]
    s.deployments[key] = {
      namespace: d.namespace,
      name: d.name,
      uid: old?.uid ?? randomUUID(),
      replicas: d.replicas,
      selector: d.selector,
      labels: d.labels,
      template: d.template as Record<string, unknown>,
      createdAt: old?.createdAt ?? new Date().toISOString(),
    }
    return s.deployments[key]
  })
  return {deployment: record, ...(await reconcile(ctx, record, hash))}
}

async function reconcile(ctx: Ctx, d: DeploymentRecord, hash: string) {
  const state = ctx.store.read()
  const all = ownedPods(state, d).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  // replicas that will never be Running are replaced (see deadPods)
  const dead = await deadPods(ctx, all)
  // a pod another live mk8s is deleting is neither a replica nor ours to delete
  const pods = all.filter((p) => !dead.has(p.uid) && p.phase !== 'Terminating')
  const stale = [...all.filter((p) => dead.has(p.uid)), ...pods.filter((p) => p.labels['pod-template-hash'] !== hash)]
  const current = pods.filter((p) => p.labels['pod-template-hash'] === hash)
  const extra = current.slice(d.replicas)
  const toDelete = [...stale, ...extra.reverse()]
  const missing = Math.max(0, d.replicas - current.length)
  const template = d.template as DeploymentInput['template']
  const inputs = Array.from({length: missing}, () => ({
    namespace: d.namespace,
    name: podName(d.name, hash),
    labels: {...(template.metadata?.labels ?? {}), 'pod-template-hash': hash},
    spec: template.spec,
    owner: d.name,
  }))
  const created = inputs.length ? await createPods(ctx, inputs) : []
  if (toDelete.length) await deletePods(ctx, toDelete)
  if (!inputs.length && !toDelete.length) await program(ctx) // the deployment's labels may matter to nothing, but a turn costs no round trip when nothing changed
  // replicas left not ready (a wait that ended, a command killed while probing) are probed again: applying again converges
  const waiting = current.slice(0, d.replicas).filter((p) => p.phase === 'Running' && p.ready === false)
  if (waiting.length) await awaitReadiness(ctx, waiting)
  return {created, deleted: toDelete}
}

export function requireDeployment(state: State, namespace: string, name: string): DeploymentRecord {
  const d = state.deployments[objKey(namespace, name)]
  if (!d) throw notFound('deployment', `${name}" in namespace "${namespace}`, 'mk8s export -n ' + namespace)
  return d
}

export async function deleteDeployment(ctx: Ctx, namespace: string, name: string, o: {program?: boolean} = {}): Promise<DeploymentRecord> {
  const state = ctx.store.read()
  const d = requireDeployment(state, namespace, name)
  await ctx.store.update((s) => {
    delete s.deployments[objKey(namespace, name)]
  })
  await deletePods(ctx, ownedPods(state, d), o)
  return d
}

export async function scaleDeployment(ctx: Ctx, namespace: string, name: string, replicas: number) {
  const d = requireDeployment(ctx.store.read(), namespace, name)
  return applyDeployment(ctx, {...d, replicas, template: d.template as DeploymentInput['template']})
}
