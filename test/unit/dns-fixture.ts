import {PodSpecSchema} from '../../src/lib/pod/spec.js'
import {emptyState, type PodRecord, type ServiceRecord, type State} from '../../src/lib/state/schema.js'

/** Pods and services for the DNS and ingress planners' tests. */
export const pod = (name: string, ip: string, labels: Record<string, string>, extra: Partial<PodRecord> = {}): PodRecord => ({
  namespace: 'default', name, uid: name, node: 'node1', ip, network: 'pod', labels,
  spec: PodSpecSchema.parse({containers: [{name: 'c', image: 'mk8s/busybox', ports: [{containerPort: 8080, name: 'web', protocol: 'TCP'}]}]}),
  phase: 'Running', containers: [], createdAt: 'x', ...extra,
})

export const svc = (name: string, clusterIP: string, selector: Record<string, string>, ports: ServiceRecord['ports'], namespace = 'default'): ServiceRecord => ({
  namespace, name, uid: name, type: 'ClusterIP', clusterIP, ports, selector, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: 'x',
})

export function fixture(): State {
  const s = emptyState()
  s.pods['default/web-1'] = pod('web-1', '10.244.0.5', {app: 'web'})
  s.pods['default/web-2'] = pod('web-2', '10.244.1.3', {app: 'web'})
  s.pods['default/db-1'] = pod('db-1', '10.244.2.7', {app: 'db'})
  s.pods['default/db-2'] = pod('db-2', '10.244.2.8', {app: 'db'}, {phase: 'Pending'})
  s.pods['default/host'] = pod('host', '192.168.56.11', {app: 'db'}, {network: 'host'})
  s.services['default/web'] = svc('web', '10.96.0.20', {app: 'web'}, [{name: 'http', protocol: 'TCP', port: 80, targetPort: 'web'}, {protocol: 'UDP', port: 53, targetPort: 53}])
  s.services['default/db'] = svc('db', 'None', {app: 'db'}, [{name: 'pg', protocol: 'TCP', port: 5432, targetPort: 5432}])
  s.services['kube-system/empty'] = svc('empty', 'None', {app: 'nothing'}, [], 'kube-system')
  return s
}

