import {InputError} from '../errors.js'
import type {KindHandler} from '../manifest/kinds.js'
import {applyDeployment, deleteDeployment, validateDeployment, type DeploymentInput} from '../deploy/service.js'
import {createPods, deletePod, validatePods, type PodInput} from './service.js'
import {objKey} from '../state/schema.js'
import {awaitReadiness} from './readiness.js'
import {validateName} from '../util/names.js'
import type {PodRecord, State} from '../state/schema.js'

/** What apply adds to its line for pods left not ready: the probe's last word, and what probes them again. */
export function notReadyNote(pods: readonly PodRecord[]): string {
  const left = pods.filter((p) => p.phase === 'Running' && p.ready === false)
  if (!left.length) return ''
  const why = left[0].probe ? `: ${left[0].probe.detail}` : ''
  return ` (${left.length === pods.length && left.length === 1 ? 'not ready' : `${left.length} of ${pods.length} new pod(s) not ready`}${why}; no endpoint until mk8s doctor --fix finds its readinessProbe passing)`
}

const meta = (doc: Record<string, unknown>) => (doc.metadata ?? {}) as {name: string; labels?: Record<string, string>; annotations?: Record<string, string>}

/** mk8s.io/network: none gives a pod only lo (Docker's "none" mode, which Kubernetes has no field for). */
const networkAnnotation = (m: ReturnType<typeof meta>): 'none' | undefined => (m.annotations?.['mk8s.io/network'] === 'none' ? 'none' : undefined)

/** An existing pod of the name: unchanged when its spec is the same, else exit 2 (a pod's spec cannot be changed). */
function existingLine(state: State, input: PodInput): string | undefined {
  const existing = state.pods[objKey(input.namespace, input.name)]
  if (!existing) return undefined
  if (JSON.stringify({...existing.spec, nodeName: undefined}) === JSON.stringify({...validatePods([input])[0].parsed, nodeName: undefined})) return `pod/${input.name} unchanged`
  throw new InputError(`pod/${input.name} exists with another spec; a pod's spec cannot be changed`, `delete it first (mk8s pod delete ${input.name}), or use a Deployment`)
}

export const podKind: KindHandler = {
  apiVersions: ['v1'],
  stage: 'workload',
  parse(doc, namespace, where) {
    const m = meta(doc)
    validateName('pod', m.name)
    const input: PodInput = {namespace, name: m.name, labels: m.labels ?? {}, spec: doc.spec, network: networkAnnotation(m)}
    validatePods([input])
    return {kind: 'Pod', namespace, name: m.name, value: input}
  },
  async apply(ctx, p) {
    return (await podKind.applyMany!(ctx, [p]))[0]
  },
  /** The new pods of a batch start together (and their readinessProbes are probed side by side). */
  async applyMany(ctx, ps) {
    const state = ctx.store.read()
    const lines = ps.map((p) => existingLine(state, p.value as PodInput))
    const fresh = ps.map((p) => p.value as PodInput).filter((_, i) => lines[i] === undefined)
    const made = fresh.length ? await createPods(ctx, fresh) : []
    // pods applied again unchanged but left not ready (a wait that ended, a kill while probing) are probed again
    const again = ps.map((p) => state.pods[objKey(p.namespace, p.name)]).filter((x, i) => x !== undefined && lines[i] !== undefined && x.phase === 'Running' && x.ready === false)
    if (again.length) await awaitReadiness(ctx, again)
    return ps.map((p, i) => {
      if (lines[i] !== undefined) return lines[i]!
      const m = made.find((x) => x.namespace === p.namespace && x.name === p.name)
      return `pod/${p.name} created${m ? notReadyNote([m]) : ''}`
    })
  },
  async delete(ctx, namespace, name, o) {
    await deletePod(ctx, namespace, name, o)
    return `pod "${name}" deleted`
  },
}

export const deploymentKind: KindHandler = {
  apiVersions: ['apps/v1'],
  stage: 'workload',
  parse(doc, namespace, where) {
    const m = meta(doc)
    validateName('deployment', m.name)
    const spec = (doc.spec ?? {}) as {replicas?: number; selector?: {matchLabels?: Record<string, string>; matchExpressions?: unknown}; template?: DeploymentInput['template']}
    if (spec.selector?.matchExpressions) throw new InputError(`${where}: selector.matchExpressions is not supported`, 'use matchLabels')
    if (!spec.template) throw new InputError(`${where}: spec.template is required`)
    const input: DeploymentInput = {namespace, name: m.name, labels: m.labels ?? {}, replicas: spec.replicas ?? 1, selector: spec.selector?.matchLabels ?? {}, template: spec.template}
    validateDeployment(input)
    return {kind: 'Deployment', namespace, name: m.name, value: input}
  },
  async apply(ctx, p) {
    const existed = Boolean(ctx.store.read().deployments[`${p.namespace}/${p.name}`])
    const r = await applyDeployment(ctx, p.value as DeploymentInput)
    // kubectl's word for a new object; a changed one says what changed
    if (!existed) return `deployment.apps/${p.name} created${notReadyNote(r.created)}`
    return `deployment.apps/${p.name} ${r.created.length || r.deleted.length ? `configured (${r.deployment.replicas} replicas: +${r.created.length} -${r.deleted.length})` : 'unchanged'}${notReadyNote(r.created)}`
  },
  async delete(ctx, namespace, name, o) {
    await deleteDeployment(ctx, namespace, name, o)
    return `deployment.apps "${name}" deleted`
  },
}
