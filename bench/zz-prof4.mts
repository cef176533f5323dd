import {incrementalServicesPlan} from '../src/lib/svc/sync.js'
import {renderPlan} from '../src/lib/host/plan.js'
import {emptyState} from '../src/lib/state/schema.js'
import {clusterFromOptions} from '../src/lib/cluster/service.js'
const T = '2024-01-01T00:00:00.000Z'
function stateWith(n: number, mode: any) {
  const s = emptyState(); s.cluster = clusterFromOptions({proxyMode: mode}, T)
  s.nodes.node1 = {name: 'node1', target: {kind: 'local'}, podCIDR: '10.244.0.0/24', iface: 'eth0', address: '192.168.56.11', mtu: 1500, ready: true, joinedAt: T} as any
  ;['10.244.0.5'].forEach((ip, i) => { s.pods[`default/web${i}`] = {namespace: 'default', name: `web${i}`, uid: `u${i}`, node: 'node1', network: 'pod', ip, labels: {app: 'web'}, spec: {containers: [], restartPolicy: 'Always', hostNetwork: false}, phase: 'Running', containers: [], createdAt: T} as any })
  for (let i = 0; i < n; i++) { const ip = `10.96.${Math.floor((i + 16) / 250)}.${((i + 16) % 250) + 2}`; s.services[`default/s${i}`] = {namespace: 'default', name: `s${i}`, uid: `s${i}`, type: 'ClusterIP', clusterIP: ip, ports: [{protocol: 'TCP', port: 80, targetPort: 80}], selector: {app: 'web'}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: T} as any }
  return s
}
const mode = process.argv[2]
const a = stateWith(5000, mode), b = stateWith(5001, mode)
const t0 = performance.now()
const p = incrementalServicesPlan(a, b, a.nodes.node1 as any)
console.log('plan ms', (performance.now() - t0).toFixed(1))
console.log(renderPlan(p))
