import {randomUUID} from 'node:crypto'
import type {Ctx} from '../context.js'
import {hostOf, requireCluster, sortedNodes} from '../cluster/hosts.js'
import {notFound} from '../errors.js'
import {objKey, type IngressRecord, type NodeRecord, type State} from '../state/schema.js'
import {ingressModel} from './model.js'
import {renderNginx} from './nginx.js'
import {ingressStopPlan, ingressSyncPlan} from './plan.js'
import type {IngressSpec} from './spec.js'

export interface IngressInput {
  namespace: string
  name: string
  labels: Record<string, string>
  annotations: Record<string, string>
  spec: IngressSpec
}

/** The node that runs the controller: `cluster init --ingress-node`, else the first node by name. */
export function ingressNodeOf(state: State): NodeRecord | undefined {
  const wanted = state.cluster?.ingressNode
  return wanted ? state.nodes[wanted] : sortedNodes(state)[0]
}

const rendered = (state: State, node: NodeRecord) => renderNginx(ingressModel(state), node.address)

const sameFiles = (a: ReturnType<typeof renderNginx>, b: ReturnType<typeof renderNginx>) => a.conf === b.conf

/**
 * Bring the controller in line with the state: nginx on the ingress node with the rendered
 * configuration (skipped when `before` renders the same), or stopped when no ingress is left.
 */
export async function syncIngressController(ctx: Ctx, after: State, before?: State): Promise<void> {
  const node = ingressNodeOf(after)
  if (!node) return
  const host = hostOf(node)
  if (Object.keys(after.ingresses).length === 0) {
    if (!before || Object.keys(before.ingresses).length > 0) await ctx.exec.apply(host, ingressStopPlan())
    return
  }
  const files = rendered(after, node)
  if (before && Object.keys(before.ingresses).length > 0 && ingressNodeOf(before)?.name === node.name && sameFiles(files, rendered(before, node))) return
  ctx.progress(`ingress controller (nginx) on ${node.name} ${node.address}:80,443: configuration checked and reloaded`)
  await ctx.exec.apply(host, ingressSyncPlan(files))
}

export function requireIngress(state: State, namespace: string, name: string): IngressRecord {
  const i = state.ingresses[objKey(namespace, name)]
  if (!i) throw notFound('ingress', `${name}" in namespace "${namespace}`, 'mk8s ingress list')
  return i
}

/** Create or update an Ingress, then sync the controller. */
export async function applyIngress(ctx: Ctx, input: IngressInput): Promise<{ingress: IngressRecord; created: boolean; changed: boolean}> {
  const before = ctx.store.read()
  requireCluster(before)
  const key = objKey(input.namespace, input.name)
  const res = await ctx.store.update((s) => {
    const old = s.ingresses[key]
    const rec: IngressRecord = {
      namespace: input.namespace,
      name: input.name,
      uid: old?.uid ?? randomUUID(),
      labels: input.labels,
      annotations: input.annotations,
      spec: input.spec as Record<string, unknown>,
      createdAt: old?.createdAt ?? new Date().toISOString(),
    }
    const changed = JSON.stringify(old) !== JSON.stringify(rec)
    s.ingresses[key] = rec
    return {ingress: rec, created: !old, changed}
  })
  await syncIngressController(ctx, ctx.dryRun ? {...before, ingresses: {...before.ingresses, [key]: res.ingress}} : ctx.store.read())
  return res
}

export async function deleteIngress(ctx: Ctx, namespace: string, name: string): Promise<IngressRecord> {
  const before = ctx.store.read()
  const ing = requireIngress(before, namespace, name)
  await ctx.store.update((s) => {
    delete s.ingresses[objKey(namespace, name)]
  })
  const after = ctx.dryRun ? {...before, ingresses: Object.fromEntries(Object.entries(before.ingresses).filter(([k]) => k !== objKey(namespace, name)))} : ctx.store.read()
  await syncIngressController(ctx, after, before)
  return ing
}

export function listIngresses(state: State, namespace: string | undefined): IngressRecord[] {
  return Object.values(state.ingresses)
    .filter((i) => namespace === undefined || i.namespace === namespace)
    .sort((a, b) => objKey(a.namespace, a.name).localeCompare(objKey(b.namespace, b.name)))
}

/** nodeHooks.objectsChanged: endpoints or services moved; the controller follows when its configuration changed. */
export const ingressOnObjectsChanged = (ctx: Ctx, before: State, after: State): Promise<void> => syncIngressController(ctx, after, before)

const without = (state: State, node: string): State => ({...state, nodes: Object.fromEntries(Object.entries(state.nodes).filter(([n]) => n !== node))})

/** nodeHooks.join: the node that becomes the ingress node starts the controller (and the previous one stops it). */
export async function ingressOnJoin(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  if (ingressNodeOf(state)?.name !== node.name || Object.keys(state.ingresses).length === 0) return
  const previous = ingressNodeOf(without(state, node.name))
  if (previous) await ctx.exec.apply(hostOf(previous), ingressStopPlan())
  await syncIngressController(ctx, state)
}

/** nodeHooks.leave: the controller stops there; the next ingress node takes over. */
export async function ingressOnLeave(ctx: Ctx, state: State, node: NodeRecord): Promise<void> {
  if (ingressNodeOf(state)?.name !== node.name) return
  await ctx.exec.apply(hostOf(node), ingressStopPlan())
  const rest = without(state, node.name)
  if (Object.keys(rest.nodes).length && Object.keys(state.ingresses).length) await syncIngressController(ctx, rest)
}
