/**
 * kubectl's verbs over the state: which objects a command names (KIND NAME..., KIND/NAME..., -l,
 * --all), and label/annotate, delete, scale, rollout restart. Each change goes through the areas'
 * own service functions, so that endpoints are re-selected and hosts re-programmed as after apply.
 */
import type {Ctx} from '../context.js'
import {applyDeployment, requireDeployment, scaleDeployment, type DeploymentInput} from '../deploy/service.js'
import {InputError} from '../errors.js'
import {manifestKinds} from '../manifest/registry.js'
import {program} from '../pipeline/index.js'
import {parseLabels} from '../pod/spec.js'
import {applyStatefulSet, requireStatefulSet, scaleStatefulSet} from '../statefulset/service.js'
import {objKey, type State} from '../state/schema.js'
import {parseKindArgs, qualified, type KindInfo} from './kinds.js'
import {matchesSelector, parseSelector} from './selector.js'
import {namespacesOf, toV1Endpoints} from './v1.js'
import {listEndpoints, listSlices} from '../endpoints/v1.js'
import {derivedDeleteRefusal} from '../endpoints/kinds.js'
import {NAME_LABEL, namespaceLabels} from '../namespace/model.js'
import {namespaceRecord} from '../namespace/service.js'

export interface Target {
  kind: KindInfo
  namespace: string
  name: string
}

/** Where each kind's records live in the state (the kinds that are stored). */
export const STORE: Record<string, keyof Pick<State, 'pods' | 'services' | 'deployments' | 'ingresses' | 'secrets' | 'configMaps' | 'networkPolicies' | 'statefulSets'>> = {
  Pod: 'pods',
  Service: 'services',
  Deployment: 'deployments',
  Ingress: 'ingresses',
  Secret: 'secrets',
  ConfigMap: 'configMaps',
  NetworkPolicy: 'networkPolicies',
  StatefulSet: 'statefulSets',
}

type Stored = {namespace: string; name: string; labels: Record<string, string>; annotations?: Record<string, string>}

/** Every object of a kind the state holds (or derives: endpoints, nodes, namespaces), with its labels. */
export const recordsOf = (state: State, kind: KindInfo): Stored[] => {
  const where = STORE[kind.kind]
  if (where) return Object.values(state[where]) as Stored[]
  if (kind.kind === 'Endpoints') return listEndpoints(state, (s) => toV1Endpoints(state, s))
  if (kind.kind === 'EndpointSlice') return listSlices(state)
  if (kind.kind === 'Node') return Object.values(state.nodes).map((n) => ({namespace: '', name: n.name, labels: {'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux'}}))
  if (kind.kind === 'IngressClass') return Object.values(state.ingressClasses).map((c) => ({namespace: '', name: c.name, labels: c.labels}))
  return namespacesOf(state).map((n) => ({namespace: '', name: n.name, labels: n.labels}))
}

/** A target's record where label/annotate change it: a stored kind's, or a Namespace's (recorded when first labeled, as applying it would). */
function storedOf(s: State, t: Target, field: 'labels' | 'annotations', create: boolean): Stored | undefined {
  if (t.kind.kind === 'Namespace') {
    if (field === 'annotations') throw new InputError('mk8s keeps no annotations of namespaces', 'labels can be set on them: mk8s label namespace NAME KEY=VALUE')
    if (!s.namespaces[t.name] && create) s.namespaces[t.name] = namespaceRecord({name: t.name, labels: {}})
    return (s.namespaces[t.name] as unknown as Stored | undefined) ?? {namespace: '', name: t.name, labels: namespaceLabels(s, t.name)}
  }
  const where = STORE[t.kind.kind]
  if (!where) throw new InputError(`mk8s keeps no ${field} of ${t.kind.plural}`, `${field} can be set on ${[...Object.values(STORE), 'namespaces'].join(', ')}`)
  return s[where][objKey(t.namespace, t.name)] as Stored
}

export interface TargetOptions {
  namespace: string | undefined
  selector?: string
  all?: boolean
  verb: string
  /** a named object that does not exist is still a target (wait --for=delete) */
  missingOk?: boolean
}

/**
 * The objects named by kubectl's arguments: `KIND NAME...`, `KIND/NAME...`, or `KIND` with -l or
 * --all. A name that does not exist is an error (exit 2) naming it, before anything changes.
 */
export function resolveTargets(state: State, args: readonly string[], o: TargetOptions): Target[] {
  const {requests} = parseKindArgs(args)
  const sel = o.selector === undefined ? undefined : parseSelector(o.selector)
  const out: Target[] = []
  for (const {kind, names} of requests) {
    const ns = kind.namespaced ? o.namespace : undefined
    const recs = recordsOf(state, kind).filter((r) => ns === undefined || r.namespace === ns)
    if (names.length) {
      if (sel || o.all) throw new InputError(`name cannot be provided when a selector or --all is given (${o.verb})`, `e.g. 'mk8s ${o.verb} ${kind.plural} -l app=web' or 'mk8s ${o.verb} ${kind.singular} NAME'`)
      for (const n of names) {
        const r = recs.find((x) => x.name === n)
        if (!r && o.missingOk) {
          out.push({kind, namespace: ns ?? '', name: n})
          continue
        }
        if (!r) throw new InputError(`${kind.plural}${kind.group ? `.${kind.group}` : ''} "${n}" not found${kind.namespaced && ns ? ` in namespace "${ns}"` : ''}`, `see 'mk8s get ${kind.plural}${kind.namespaced ? ' -A' : ''}'`)
        out.push({kind, namespace: r.namespace || (ns ?? ''), name: r.name})
      }
    } else if (sel || o.all) {
      for (const r of recs.filter((x) => !sel || matchesSelector(sel, x.labels)).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)))
        out.push({kind, namespace: r.namespace, name: r.name})
    } else throw new InputError(`resource(s) were provided, but no name was specified (${o.verb})`, `name one (mk8s ${o.verb} ${kind.singular} NAME), or give -l SELECTOR or --all`)
  }
  return out
}

const refName = (t: Target) => `${qualified(t.kind)}/${t.name}`

export interface LabelChange {
  set: Record<string, string>
  remove: string[]
}

/** `key=value` and `key-` words of label/annotate; the rest are the objects. */
export function splitChanges(args: readonly string[], what: 'label' | 'annotation'): {objects: string[]; change: LabelChange} {
  const objects: string[] = []
  const change: LabelChange = {set: {}, remove: []}
  for (const a of args) {
    if (a.includes('=')) {
      const i = a.indexOf('=')
      const key = a.slice(0, i)
      if (!key) throw new InputError(`invalid ${what} ${JSON.stringify(a)}: no key`, `e.g. app=web, or app- to remove it`)
      change.set[key] = a.slice(i + 1)
    } else if (a.endsWith('-') && !a.includes('/') && objects.length > 0) change.remove.push(a.slice(0, -1))
    else objects.push(a)
  }
  if (!Object.keys(change.set).length && !change.remove.length) throw new InputError(`at least one ${what} update is required`, what === 'label' ? "e.g. 'mk8s label pod web tier=front' or 'mk8s label pod web tier-'" : "e.g. 'mk8s annotate pod web note=x'")
  if (what === 'label') {
    // label values are checked as Kubernetes checks them; annotation values are free text
    parseLabels(Object.entries(change.set).map(([k, v]) => `${k}=${v}`))
  }
  return {objects, change}
}

/**
 * Set or remove labels (or annotations) of stored objects, in one state change, then let the areas
 * follow (services re-select their endpoints and re-program the nodes).
 */
export async function relabel(ctx: Ctx, targets: Target[], change: LabelChange, o: {field: 'labels' | 'annotations'; overwrite: boolean}): Promise<string[]> {
  const verb = o.field === 'labels' ? 'labeled' : 'annotated'
  const before = ctx.store.read()
  for (const t of targets) {
    const rec = storedOf(before, t, o.field, false)!
    const cur = rec[o.field] ?? {}
    if (t.kind.kind === 'Namespace' && o.field === 'labels' && (NAME_LABEL in change.set || change.remove.includes(NAME_LABEL))) {
      throw new InputError(`the label ${NAME_LABEL} of a namespace is its name, set by the cluster, and cannot be changed`, `set another label: mk8s label namespace ${t.name} team=a`)
    }
    for (const [k, v] of Object.entries(change.set)) {
      if (!o.overwrite && k in cur && cur[k] !== v) throw new InputError(`'${k}' already has a value (${cur[k]}), and --overwrite is false`, `add --overwrite to change ${refName(t)}`)
    }
  }
  const apply = (s: State): string[] =>
    targets.map((t) => {
      const rec = storedOf(s, t, o.field, Object.keys(change.set).length > 0)!
      const cur = {...(rec[o.field] ?? {})}
      const was = JSON.stringify(cur)
      Object.assign(cur, change.set)
      for (const k of change.remove) delete cur[k]
      rec[o.field] = cur
      return `${refName(t)} ${JSON.stringify(cur) === was ? `not ${verb}` : verb}`
    })
  const lines = await ctx.store.update(apply)
  // labels decide which services select a pod, and policies select on pods and namespaces: one turn re-programs what follows
  // (a namespace first labeled is recorded, with the same uid a later apply keeps)
  await program(ctx)
  return lines
}

/** Delete each object through its area (containers, rules and records go). */
export async function deleteTargets(ctx: Ctx, targets: Target[]): Promise<string[]> {
  const lines: string[] = []
  for (const t of targets) {
    const handler = manifestKinds.get(t.kind.kind)
    if (!handler) {
      const how = t.kind.kind === 'Node' ? `mk8s node leave ${t.name}` : t.kind.kind === 'Endpoints' ? `mk8s delete service ${t.name}` : `mk8s delete all --all -n ${t.name}`
      throw new InputError(`mk8s does not delete ${t.kind.plural} this way`, `use '${how}'`)
    }
    // one derived from a Service's pods is refused before anything is deleted
    if (t.kind.kind === 'Endpoints' || t.kind.kind === 'EndpointSlice') {
      const refusal = derivedDeleteRefusal(ctx.store.read(), t.kind.kind, t.namespace, t.name)
      if (refusal) throw refusal
    }
  }
  for (const t of targets) lines.push(await manifestKinds.get(t.kind.kind)!.delete(ctx, t.namespace, t.name, {program: false}))
  await program(ctx)
  return lines
}

/** The verbs of the pod controllers (scale, rollout restart): deployments and statefulsets. */
const onlyControllers = (targets: Target[], verb: string): Target[] => {
  for (const t of targets) if (t.kind.kind !== 'Deployment' && t.kind.kind !== 'StatefulSet') throw new InputError(`${verb} is for deployments and statefulsets: ${refName(t)} is a ${t.kind.kind}`, `e.g. 'mk8s ${verb} deployment/web' or 'mk8s ${verb} sts/db'`)
  return targets
}

/** kubectl scale: deployments and statefulsets (a StatefulSet adds its pods lowest ordinal first, removes them highest first). */
export async function scaleTargets(ctx: Ctx, targets: Target[], replicas: number, current?: number): Promise<string[]> {
  if (!Number.isInteger(replicas) || replicas < 0) throw new InputError('--replicas must be a whole number >= 0', "e.g. 'mk8s scale deployment/web --replicas 3'")
  const state = ctx.store.read()
  for (const t of onlyControllers(targets, 'scale')) {
    const d = t.kind.kind === 'Deployment' ? requireDeployment(state, t.namespace, t.name) : requireStatefulSet(state, t.namespace, t.name)
    if (current !== undefined && d.replicas !== current) throw new InputError(`expected replicas to be ${current}, was ${d.replicas}`, `${refName(t)} was not scaled`)
  }
  const lines: string[] = []
  for (const t of targets) {
    if (t.kind.kind === 'Deployment') await scaleDeployment(ctx, t.namespace, t.name, replicas)
    else await scaleStatefulSet(ctx, t.namespace, t.name, replicas)
    lines.push(`${refName(t)} scaled`)
  }
  return lines
}

/** kubectl's rollout restart: a new restartedAt annotation on the pod template, so every pod is made anew (a StatefulSet's highest ordinal first, one at a time). */
export async function restartTargets(ctx: Ctx, targets: Target[], now = new Date().toISOString()): Promise<string[]> {
  const restarted = (t: {template: Record<string, unknown>}) => {
    const template = structuredClone(t.template) as DeploymentInput['template'] & {metadata?: {annotations?: Record<string, string>}}
    template.metadata = {...template.metadata, annotations: {...template.metadata?.annotations, 'kubectl.kubernetes.io/restartedAt': now}}
    return template
  }
  onlyControllers(targets, 'rollout restart')
  const lines: string[] = []
  for (const t of targets) {
    if (t.kind.kind === 'StatefulSet') {
      const {uid: _u, createdAt: _c, ...s} = requireStatefulSet(ctx.store.read(), t.namespace, t.name)
      await applyStatefulSet(ctx, {...s, template: restarted(s)})
    } else {
      const d = requireDeployment(ctx.store.read(), t.namespace, t.name)
      await applyDeployment(ctx, {...d, template: restarted(d)})
    }
    lines.push(`${refName(t)} restarted`)
  }
  return lines
}
