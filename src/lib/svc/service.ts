import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {requireCluster, sortedNodes} from '../cluster/model.js'
import {InputError, notFound} from '../errors.js'
import {program, type NodeReport} from '../pipeline/index.js'
import {objKey, type ServiceRecord, type State} from '../state/schema.js'
import {contains, parseCidr} from '../util/cidr.js'
import {validateName} from '../util/names.js'
import {allocateClusterIP, allocateNodePorts} from './allocate.js'
import {selectedPods} from './endpoints.js'
import {allocateLbIP, lbPool} from './lb.js'
import {parseV1Service, validatePorts, type ServiceInput} from './manifest.js'

export type ApplyResult = {service: ServiceRecord; action: 'created' | 'configured' | 'unchanged'; sync: NodeReport[]}

/** Programming after a change: now (the default), or left to the caller that batches many changes. */
export interface ChangeOptions {
  program?: boolean
}

/** The node that announces a LoadBalancer address: one with a local endpoint when the policy is Local, else the first. */
function pickAnnouncer(state: State, svc: ServiceRecord): string | undefined {
  const nodes = sortedNodes(state)
  if (svc.externalTrafficPolicy === 'Local') {
    const withPods = new Set(selectedPods(state, svc).map((p) => p.node))
    const n = nodes.find((x) => withPods.has(x.name))
    if (n) return n.name
  }
  return nodes[0]?.name
}

/** The record a service input becomes in a state: addresses and ports kept, asked for, or allocated. Pure; mutates nothing. */
export function buildService(state: State, input: ServiceInput, now = new Date().toISOString()): ServiceRecord {
  const cluster = requireCluster(state)
  const key = objKey(input.namespace, input.name)
  const old = state.services[key]
  // a ClusterIP is kept across re-applies of another type, ports or selector; ExternalName has none (a change to it frees the address)
  const externalName = input.type === 'ExternalName'
  const askedIP = input.clusterIP ?? (old && old.clusterIP !== 'None' && old.clusterIP !== '' ? old.clusterIP : undefined)
  if (old && input.clusterIP && old.clusterIP && old.clusterIP !== input.clusterIP) throw new InputError(`spec.clusterIP of service ${key} cannot change (${old.clusterIP} -> ${input.clusterIP})`, `delete the service first: mk8s svc delete ${input.name} -n ${input.namespace}`)
  validatePorts(input.ports, input.type, askedIP === 'None' || externalName)
  const clusterIP = externalName ? '' : allocateClusterIP(state, cluster, key, askedIP)
  const ports = allocateNodePorts(state, cluster, key, input.type, input.ports, old)
  const rec: ServiceRecord = {
    namespace: input.namespace,
    name: input.name,
    uid: old?.uid ?? randomUUID(),
    type: input.type,
    clusterIP,
    ports,
    selector: input.selector,
    labels: input.labels,
    sessionAffinity: input.sessionAffinity,
    externalTrafficPolicy: input.externalTrafficPolicy,
    ...(input.externalName ? {externalName: input.externalName} : {}),
    ...(input.internalTrafficPolicy ? {internalTrafficPolicy: input.internalTrafficPolicy} : {}),
    ...(input.sessionAffinityTimeout !== undefined ? {sessionAffinityTimeout: input.sessionAffinityTimeout} : {}),
    ...(input.externalIPs?.length ? {externalIPs: input.externalIPs} : {}),
    ...(input.loadBalancerSourceRanges?.length ? {loadBalancerSourceRanges: input.loadBalancerSourceRanges} : {}),
    ...(input.publishNotReadyAddresses ? {publishNotReadyAddresses: true} : {}),
    createdAt: old?.createdAt ?? now,
  }
  if (input.type === 'LoadBalancer') {
    const pool = lbPool(state, sortedNodes(state)[0])
    const keep = input.loadBalancerIP ?? (old?.type === 'LoadBalancer' ? old.loadBalancerIP : undefined)
    if (keep) {
      const other = Object.values(state.services).find((s) => s.loadBalancerIP === keep && objKey(s.namespace, s.name) !== key)
      if (other) throw new InputError(`loadBalancerIP ${keep} is taken by service ${objKey(other.namespace, other.name)}`)
      if (input.loadBalancerIP && !contains(parseCidr(pool), keep)) throw new InputError(`loadBalancerIP ${keep} is outside the LoadBalancer pool ${pool}`)
    }
    rec.loadBalancerIP = keep ?? allocateLbIP(state, pool)
    rec.announcedBy = old?.announcedBy && state.nodes[old.announcedBy] ? old.announcedBy : pickAnnouncer(state, rec)
  }
  return rec
}

const sameService = (a: ServiceRecord, b: ServiceRecord) => JSON.stringify(a) === JSON.stringify(b)

/** Create or update services: one state change, then one script per node. */
export async function putServices(ctx: Ctx, inputs: ServiceInput[] | ((s: State) => ServiceInput[]), o: ChangeOptions = {}): Promise<{results: Array<{service: ServiceRecord; action: ApplyResult['action']}>; sync: NodeReport[]}> {
  const results = await ctx.store.update((s) =>
    (typeof inputs === 'function' ? inputs(s) : inputs).map((input) => {
      const key = objKey(input.namespace, input.name)
      const old = s.services[key]
      const rec = buildService(s, input)
      s.services[key] = rec
      return {service: rec, action: (!old ? 'created' : sameService(old, rec) ? 'unchanged' : 'configured') as ApplyResult['action']}
    }),
  )
  return {results, sync: o.program === false ? [] : await program(ctx)}
}

/** `apply -f` of a v1 Service: the parsed object, validated here. */
export async function applyService(ctx: Ctx, obj: unknown): Promise<ApplyResult> {
  const {results, sync} = await putServices(ctx, [parseV1Service(obj, ctx.namespace)])
  return {...results[0], sync}
}

export interface ExposeOptions {
  resource: string
  port?: number
  targetPort?: string
  type?: ServiceRecord['type']
  name?: string
  protocol?: 'TCP' | 'UDP'
  nodePort?: number
}

type ContainerPorts = Array<{ports?: Array<{containerPort?: number}>}>
const onlyPort = (spec: Record<string, unknown> | undefined): number | undefined => {
  const all = ((spec?.containers ?? []) as ContainerPorts).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)).filter((p): p is number => typeof p === 'number')
  return all.length === 1 ? all[0] : undefined
}

/** `kubectl expose`: a service selecting what a pod's labels or a deployment's selector select. */
export async function exposeService(ctx: Ctx, o: ExposeOptions): Promise<ApplyResult> {
  const m = /^(pod|pods|po|deployment|deployments|deploy)\/(.+)$/.exec(o.resource)
  if (!m) throw new InputError(`cannot expose ${JSON.stringify(o.resource)}: expected pod/NAME or deployment/NAME`, 'e.g. mk8s svc expose deployment/web --port 80')
  const kind = m[1].startsWith('d') ? 'deployment' : 'pod'
  validateName(kind, m[2])
  const name = validateName('service', o.name ?? m[2])
  // what it selects is read under the state's lock, in the change itself (a state of thousands of services is read once)
  const {results, sync} = await putServices(ctx, (state) => [exposedInput(ctx.namespace, state, kind, m[2], name, o)])
  return {...results[0], sync}
}

/** The service `svc expose` makes of a pod or deployment, as the state has it. */
function exposedInput(namespace: string, state: State, kind: 'pod' | 'deployment', target: string, name: string, o: ExposeOptions): ServiceInput {
  const key = objKey(namespace, target)
  let selector: Record<string, string>
  let spec: Record<string, unknown> | undefined
  if (kind === 'pod') {
    const pod = state.pods[key]
    if (!pod) throw notFound('pod', key, 'mk8s pod list')
    if (Object.keys(pod.labels).length === 0) throw new InputError(`pod ${key} has no labels, so a service cannot select it`, `run it with labels: mk8s pod run ${target} -l app=${target} ...`)
    selector = {...pod.labels} // (the state's own object: the service gets a copy)
    spec = pod.spec
  } else {
    const d = state.deployments[key]
    if (!d) throw notFound('deployment', key, 'mk8s apply -f (a Deployment)')
    selector = {...d.selector}
    spec = (d.template as {spec?: Record<string, unknown>}).spec
  }
  const port = o.port ?? onlyPort(spec)
  if (port === undefined) throw new InputError(`say which port the service listens on: --port P`, `e.g. mk8s svc expose ${o.resource} --port 80 --target-port 8080`)
  const targetPort = o.targetPort === undefined ? port : /^\d+$/.test(o.targetPort) ? Number(o.targetPort) : o.targetPort
  return {
    namespace,
    name,
    type: o.type ?? 'ClusterIP',
    ports: [{protocol: o.protocol ?? 'TCP', port, targetPort, ...(o.nodePort !== undefined ? {nodePort: o.nodePort} : {})}],
    selector,
    labels: {...selector},
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
  }
}

/** Delete services and every rule they had, on every node. */
export async function deleteServices(ctx: Ctx, keys: Array<{namespace: string; name: string}>, o: ChangeOptions = {}): Promise<{services: ServiceRecord[]; sync: NodeReport[]}> {
  const services = await ctx.store.update((s) =>
    keys.map(({namespace, name}) => {
      const key = objKey(namespace, name)
      const service = s.services[key]
      if (!service) throw notFound('service', key, 'mk8s svc list')
      delete s.services[key]
      return service
    }),
  )
  return {services, sync: o.program === false ? [] : await program(ctx)}
}

export async function deleteService(ctx: Ctx, namespace: string, name: string, o: ChangeOptions = {}): Promise<{service: ServiceRecord; sync: NodeReport[]}> {
  const {services, sync} = await deleteServices(ctx, [{namespace, name}], o)
  return {service: services[0], sync}
}

export function getService(state: State, namespace: string, name: string): ServiceRecord {
  const s = state.services[objKey(namespace, name)]
  if (!s) throw notFound('service', objKey(namespace, name), 'mk8s svc list')
  return s
}

export const listServices = (state: State, namespace?: string): ServiceRecord[] =>
  Object.values(state.services).filter((s) => !namespace || s.namespace === namespace).sort((a, b) => objKey(a.namespace, a.name).localeCompare(objKey(b.namespace, b.name)))

/**
 * `svc sync`: bring every node's service rules up to date (a node that missed changes catches up);
 * with full, every node's rules rewritten from the state, stale chains dropped (a repair).
 */
export async function syncServices(ctx: Ctx, full: boolean): Promise<NodeReport[]> {
  const state = ctx.store.read()
  requireCluster(state)
  return program(ctx, full ? {wholeAreas: ['services']} : {})
}

/** A node leaves: LoadBalancer addresses it announced move to another node (the state only; the pipeline moves them). */
export function moveAnnouncements(s: State, leaving: string): void {
  const rest = {...s, nodes: Object.fromEntries(Object.entries(s.nodes).filter(([k]) => k !== leaving))}
  for (const svc of Object.values(s.services)) if (svc.announcedBy === leaving) svc.announcedBy = pickAnnouncer(rest, svc)
}
