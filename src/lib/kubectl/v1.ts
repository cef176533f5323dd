/**
 * v1 shapes of the kinds that had none yet (Deployment, Secret, Namespace, Endpoints), beside
 * toV1Pod, toV1Service, toV1Node and toV1Ingress of their areas.
 */
import type {ConfigMapRecord, DeploymentRecord, IngressClassRecord, SecretRecord, ServiceRecord, State} from '../state/schema.js'
import {podEndpointsOf} from '../svc/endpoints.js'
import {ownedPods} from '../deploy/service.js'
import {podReady} from '../pod/model.js'
import {namespaceLabels} from '../namespace/model.js'

const meta = (o: {name: string; namespace: string; uid: string; createdAt: string; labels?: Record<string, string>; annotations?: Record<string, string>}) => ({
  name: o.name,
  namespace: o.namespace,
  uid: o.uid,
  creationTimestamp: o.createdAt,
  ...(o.labels && Object.keys(o.labels).length ? {labels: o.labels} : {}),
  ...(o.annotations && Object.keys(o.annotations).length ? {annotations: o.annotations} : {}),
})

/** An apps/v1 Deployment; its counts come from the pods it owns (ready = Running and its readinessProbe passed). */
export function toV1Deployment(state: State, d: DeploymentRecord, ready?: (podName: string) => boolean) {
  const pods = ownedPods(state, d)
  const readyCount = pods.filter((p) => (ready ? ready(p.name) : podReady(p))).length
  const available = readyCount >= d.replicas
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(d),
    spec: {replicas: d.replicas, selector: {matchLabels: d.selector}, template: d.template},
    status: {
      replicas: pods.length,
      updatedReplicas: pods.length,
      readyReplicas: readyCount,
      availableReplicas: readyCount,
      ...(pods.length > readyCount ? {unavailableReplicas: pods.length - readyCount} : {}),
      conditions: [
        {type: 'Available', status: available ? 'True' : 'False', reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable'},
        {type: 'Progressing', status: 'True', reason: pods.length === d.replicas && available ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated'},
      ],
    },
  }
}

/** A v1 Secret (data base64, as stored). */
export const toV1ConfigMap = (m: ConfigMapRecord) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(m), data: m.data})

export const toV1IngressClass = (c: IngressClassRecord) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: {name: c.name, uid: c.uid, creationTimestamp: c.createdAt, ...(Object.keys(c.labels).length ? {labels: c.labels} : {}), ...(Object.keys(c.annotations).length ? {annotations: c.annotations} : {})},
  spec: {controller: c.controller},
})

export const toV1Secret = (s: SecretRecord) => ({apiVersion: 'v1', kind: 'Secret', metadata: meta(s), type: s.type, data: s.data})

/** The namespaces: default, every applied one, and every one an object of the state is in; with their labels (namespace/model.ts). */
export function namespacesOf(state: State): Array<{name: string; createdAt: string; labels: Record<string, string>}> {
  const first = new Map<string, string>()
  const objs = [...Object.values(state.pods), ...Object.values(state.services), ...Object.values(state.deployments), ...Object.values(state.statefulSets), ...Object.values(state.ingresses), ...Object.values(state.secrets)]
  const since = state.cluster?.createdAt ?? new Date(0).toISOString()
  first.set('default', since)
  for (const o of objs) if (!first.has(o.namespace) || first.get(o.namespace)! > o.createdAt) first.set(o.namespace, o.namespace === 'default' ? since : o.createdAt)
  for (const n of Object.values(state.namespaces)) if (!first.has(n.name) || first.get(n.name)! > n.createdAt) first.set(n.name, n.name === 'default' ? since : n.createdAt)
  return [...first].map(([name, createdAt]) => ({name, createdAt, labels: namespaceLabels(state, name)})).sort((a, b) => a.name.localeCompare(b.name))
}

export const toV1Namespace = (n: {name: string; createdAt: string; labels: Record<string, string>}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {name: n.name, creationTimestamp: n.createdAt, labels: n.labels},
  spec: {finalizers: ['kubernetes']},
  status: {phase: 'Active'},
})

/** v1 Endpoints of a service with a selector, from the pods it selects (never stored), as Kubernetes' endpoints controller makes it. */
export function toV1Endpoints(state: State, s: ServiceRecord) {
  const eps = podEndpointsOf(state, s)
  // one subset per distinct address set, as the endpoints controller groups them
  const subsets: Array<{addresses: unknown[]; ports: unknown[]; key: string}> = []
  for (const {port, endpoints} of eps) {
    if (!endpoints.length) continue
    const key = endpoints.map((e) => e.ip).join(',')
    const portOut = {...(port.name ? {name: port.name} : {}), port: endpoints[0].port, protocol: port.protocol}
    const same = subsets.find((x) => x.key === key)
    if (same) same.ports.push(portOut)
    else subsets.push({key, addresses: endpoints.map((e) => ({ip: e.ip, nodeName: e.node, targetRef: {kind: 'Pod', name: e.pod, namespace: s.namespace}})), ports: [portOut]})
  }
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta(s),
    subsets: subsets.map(({addresses, ports}) => ({addresses, ports})),
  }
}

/** kubectl's ENDPOINTS column: ip:port (ip alone in a subset without ports) of the ready addresses, the first three, then "+ N more...". */
export function endpointsText(e: {subsets: Array<{addresses?: unknown[]; ports?: unknown[]}>}): string {
  const all = e.subsets.flatMap((s) => ((s.addresses ?? []) as Array<{ip: string}>).flatMap((a) => (s.ports?.length ? (s.ports as Array<{port: number}>).map((p) => `${a.ip}:${p.port}`) : [a.ip])))
  if (!all.length) return '<none>'
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',')
}
