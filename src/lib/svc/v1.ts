import type {ServiceRecord, State} from '../state/schema.js'
import {age} from '../util/age.js'
import {endpointsOf} from './endpoints.js'
import {AFFINITY_SECONDS} from './model.js'

/** A v1 Service, as kubectl shows one (an ExternalName service has no clusterIP, as in Kubernetes). */
export function toV1Service(s: ServiceRecord) {
  const headless = s.clusterIP === 'None'
  const named = s.type === 'ExternalName'
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      uid: s.uid,
      creationTimestamp: s.createdAt,
      labels: s.labels,
      ...(s.announcedBy || Object.keys(s.annotations ?? {}).length ? {annotations: {...s.annotations, ...(s.announcedBy ? {'mk8s.io/announced-by': s.announcedBy} : {})}} : {}),
    },
    spec: {
      type: s.type,
      selector: s.selector,
      ...(named ? {externalName: s.externalName} : {clusterIP: s.clusterIP, clusterIPs: [s.clusterIP]}),
      ...(s.externalIPs?.length ? {externalIPs: s.externalIPs} : {}),
      ports: s.ports.map((p) => ({...(p.name ? {name: p.name} : {}), protocol: p.protocol, port: p.port, targetPort: p.targetPort, ...(p.nodePort ? {nodePort: p.nodePort} : {})})),
      sessionAffinity: s.sessionAffinity,
      ...(s.sessionAffinity === 'ClientIP' ? {sessionAffinityConfig: {clientIP: {timeoutSeconds: s.sessionAffinityTimeout ?? AFFINITY_SECONDS}}} : {}),
      ...(s.type !== 'ClusterIP' && !named ? {externalTrafficPolicy: s.externalTrafficPolicy} : {}),
      ...(!named ? {internalTrafficPolicy: s.internalTrafficPolicy ?? 'Cluster'} : {}),
      ...(s.loadBalancerIP && !headless ? {loadBalancerIP: s.loadBalancerIP} : {}),
      ...(s.loadBalancerSourceRanges?.length ? {loadBalancerSourceRanges: s.loadBalancerSourceRanges} : {}),
      ...(s.publishNotReadyAddresses ? {publishNotReadyAddresses: true} : {}),
    },
    status: {loadBalancer: s.type === 'LoadBalancer' && s.loadBalancerIP ? {ingress: [{ip: s.loadBalancerIP}]} : {}},
  }
}

/** kubectl's PORT(S): 80/TCP, 80:30080/TCP, joined by commas. */
export const portsText = (s: ServiceRecord): string =>
  s.ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',') || '<none>'

/** kubectl's EXTERNAL-IP: the external name, the LoadBalancer address and the external IPs, <pending> or <none>. */
export function externalIP(s: ServiceRecord): string {
  if (s.type === 'ExternalName') return s.externalName ?? '<none>'
  const all = [...(s.type === 'LoadBalancer' && s.loadBalancerIP ? [s.loadBalancerIP] : []), ...(s.externalIPs ?? [])]
  return all.join(',') || (s.type === 'LoadBalancer' ? '<pending>' : '<none>')
}

/** kubectl's CLUSTER-IP: an ExternalName service has none. */
export const clusterIPText = (s: ServiceRecord): string => s.clusterIP || '<none>'

const labelsText = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',') || '<none>'

/** The row of `svc list`: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE [SELECTOR]. */
export const serviceRow = (s: ServiceRecord, wide: boolean) =>
  [s.name, s.type, clusterIPText(s), externalIP(s), portsText(s), age(s.createdAt), ...(wide ? [labelsText(s.selector)] : [])]

/** `kubectl describe service`-like text, with the endpoints derived from the pods. */
export function describeService(state: State, s: ServiceRecord): string {
  const eps = endpointsOf(state, s)
  const rows: Array<[string, string]> = [
    ['Name', s.name],
    ['Namespace', s.namespace],
    ['Labels', labelsText(s.labels)],
    ['Selector', labelsText(s.selector)],
    ['Type', s.type],
    ['IP', clusterIPText(s)],
  ]
  if (s.type === 'ExternalName') rows.push(['External Name', s.externalName ?? ''])
  if (s.externalIPs?.length) rows.push(['External IPs', s.externalIPs.join(',')])
  if (s.type === 'LoadBalancer') rows.push(['LoadBalancer Ingress', `${s.loadBalancerIP ?? '<pending>'}${s.announcedBy ? ` (announced by ${s.announcedBy})` : ''}`])
  if (s.loadBalancerSourceRanges?.length) rows.push(['LoadBalancer Source Ranges', s.loadBalancerSourceRanges.join(',')])
  for (const {port, endpoints} of eps) {
    rows.push(['Port', `${port.name ?? '<unset>'}  ${port.port}/${port.protocol}`])
    rows.push(['TargetPort', `${port.targetPort}/${port.protocol}`])
    if (port.nodePort) rows.push(['NodePort', `${port.name ?? '<unset>'}  ${port.nodePort}/${port.protocol}`])
    rows.push(['Endpoints', endpoints.map((e) => `${e.ip}:${e.port}`).join(',') || '<none>'])
  }
  rows.push(['Session Affinity', s.sessionAffinity])
  if (s.sessionAffinity === 'ClientIP') rows.push(['Session Affinity Timeout', `${s.sessionAffinityTimeout ?? AFFINITY_SECONDS}s`])
  if (s.type !== 'ClusterIP' && s.type !== 'ExternalName') rows.push(['External Traffic Policy', s.externalTrafficPolicy])
  if (s.type !== 'ExternalName') rows.push(['Internal Traffic Policy', s.internalTrafficPolicy ?? 'Cluster'])
  if (s.publishNotReadyAddresses) rows.push(['Publish Not Ready Addresses', 'true'])
  const w = Math.max(...rows.map(([k]) => k.length)) + 2
  return rows.map(([k, v]) => `${`${k}:`.padEnd(w)}${v}`).join('\n')
}
