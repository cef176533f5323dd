import {emptyState, type PodRecord, type ServiceRecord, type State} from '../../src/lib/state/schema.js'

const T = '2026-01-01T00:00:00.000Z'

const pod = (name: string, node: string, ip: string, labels: Record<string, string>, extra: Partial<PodRecord> = {}): PodRecord => ({
  namespace: 'default',
  name,
  uid: `uid-${name}`,
  node,
  network: 'pod',
  ip,
  labels,
  spec: {containers: [{name: 'app', image: 'mk8s/busybox', command: ['httpd', '-f', '-p', '8080'], ports: [{containerPort: 8080, protocol: 'TCP'}], env: []}], restartPolicy: 'Always', hostNetwork: false},
  phase: 'Running',
  hostVeth: `veth${name}`,
  pauseId: `pause-${name}`,
  containers: [{name: 'app', id: `c-${name}`, image: 'mk8s/busybox'}],
  createdAt: T,
  ...extra,
})

const svc = (name: string, extra: Partial<ServiceRecord>): ServiceRecord => ({
  namespace: 'default',
  name,
  uid: `uid-${name}`,
  type: 'ClusterIP',
  clusterIP: '10.96.0.20',
  ports: [{protocol: 'TCP', port: 80, targetPort: 8080}],
  selector: {app: 'web'},
  labels: {},
  sessionAffinity: 'None',
  externalTrafficPolicy: 'Cluster',
  createdAt: T,
  ...extra,
})

/** Two nodes, a deployment of two web pods, a lone client pod, a pending pod and two services. */
export function sampleState(backend: 'vxlan' | 'host-gw' = 'vxlan'): State {
  const s = emptyState()
  s.cluster = {
    podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', backend, proxyMode: 'iptables', driver: 'ip',
    clusterDomain: 'cluster.local', dnsIP: '10.96.0.10', nodePortRange: [30000, 32767], createdAt: T,
  }
  for (const [i, name] of ['node1', 'node2'].entries()) {
    s.nodes[name] = {
      name, target: {kind: 'ssh', user: 'root', host: `192.168.56.1${i + 1}`, port: 22}, podCIDR: `10.244.${i + 1}.0/24`,
      iface: 'eth0', address: `192.168.56.1${i + 1}`, mtu: 1500, ready: true, joinedAt: T,
    }
  }
  const web = {app: 'web', 'pod-template-hash': 'abc'}
  s.pods['default/web-abc-1'] = pod('web-abc-1', 'node1', '10.244.1.2', web, {owner: 'web'})
  s.pods['default/web-abc-2'] = pod('web-abc-2', 'node2', '10.244.2.2', web, {owner: 'web'})
  s.pods['default/client'] = pod('client', 'node1', '10.244.1.3', {app: 'client'}, {spec: {containers: [{name: 'sh', image: 'mk8s/busybox', command: ['sleep', '3600'], ports: [], env: []}], restartPolicy: 'Always', hostNetwork: false, nodeName: 'node1'}})
  s.pods['default/late'] = pod('late', 'node2', '10.244.2.3', {app: 'web'}, {phase: 'Pending', owner: undefined})
  s.deployments['default/web'] = {
    namespace: 'default', name: 'web', uid: 'uid-web', replicas: 2, selector: {app: 'web'}, labels: {app: 'web'},
    template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'app', image: 'mk8s/busybox', command: ['httpd', '-f', '-p', '8080'], ports: [{containerPort: 8080}]}]}},
    createdAt: T,
  }
  s.services['default/web'] = svc('web', {})
  s.services['default/web-np'] = svc('web-np', {type: 'NodePort', clusterIP: '10.96.0.21', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080}], labels: {tier: 'front'}})
  return s
}
