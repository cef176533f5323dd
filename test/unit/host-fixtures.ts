import {egressPlan} from '../../src/lib/overlay/egress.js'
import type {Plan} from '../../src/lib/host/plan.js'
import {step} from '../../src/lib/host/plan.js'
import {sortedServices} from '../../src/lib/svc/model.js'
import {endpointChainName, portChainBase, servicePortName} from '../../src/lib/svc/names.js'
import {nftFullScript} from '../../src/lib/svc/nft.plan.js'
import {SERVICES_DIR, fullServicesPlan, serviceFragment} from '../../src/lib/svc/sync.js'
import type {State} from '../../src/lib/state/schema.js'
import {clusterState, pod, web} from './trace-hosts.js'

/**
 * The clusters behind the host fixtures in fixtures/: `npx tsx scripts/fixtures.ts` runs the
 * planners' scripts for node1 in a throwaway network namespace and writes what the real tools list
 * back (test/cli/fixtures.test.ts fails when they are not what the planners give now).
 */

/** nftables mode: web (NodePort 30080, one endpoint per node), sticky (ClientIP affinity), empty (no endpoints). */
export function nftFixtureState(): State {
  const s = clusterState([pod('a', 'node1', '10.244.0.5', {app: 'web'}), pod('b', 'node2', '10.244.1.5', {app: 'web'})], [
    {...web(), type: 'NodePort', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080}]},
    {...web(), name: 'sticky', uid: 'uid-sticky', clusterIP: '10.96.0.40', sessionAffinity: 'ClientIP'},
    {...web(), name: 'empty', uid: 'uid-empty', clusterIP: '10.96.0.30', selector: {app: 'none'}},
  ])
  s.cluster!.proxyMode = 'nftables'
  return s
}

/** The script the planner writes for a node's whole nftables service table. */
export const nftScriptOf = (s: State, node: string) => nftFullScript(sortedServices(s).map((v) => serviceFragment(s, `${v.namespace}/${v.name}`, node, 'nftables')))

/**
 * iptables mode, node1 of three: web (NodePort 30080, an endpoint on each node), empty (no
 * endpoints, NodePort 30001), kube-system/kube-dns (UDP 53, one endpoint on node2).
 */
export function iptablesFixtureState(): State {
  const s = clusterState([pod('a', 'node1', '10.244.0.5', {app: 'web'}), pod('b', 'node2', '10.244.1.5', {app: 'web'}), pod('c', 'node3', '10.244.2.5', {app: 'web'})], [
    {...web(), type: 'NodePort', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080}]},
    {...web(), name: 'empty', uid: 'uid-empty', clusterIP: '10.96.0.30', selector: {app: 'none'}, type: 'NodePort', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30001}]},
  ])
  s.nodes.node3 = {...s.nodes.node2, name: 'node3', podCIDR: '10.244.2.0/24', address: '192.168.56.13', target: {kind: 'ssh', user: 'root', host: '192.168.56.13', port: 22}}
  s.pods['kube-system/coredns'] = {...pod('coredns', 'node2', '10.244.1.7', {k8s: 'dns'}), namespace: 'kube-system'}
  s.services['kube-system/kube-dns'] = {...web(), namespace: 'kube-system', name: 'kube-dns', uid: 'uid-dns', clusterIP: '10.96.0.10', selector: {k8s: 'dns'}, ports: [{name: 'dns', protocol: 'UDP', port: 53, targetPort: 53}]}
  return s
}

/**
 * What node1 holds in iptables mode: a Docker-like FORWARD policy DROP and a user's rule dropping
 * VXLAN from 192.168.56.66 (not mk8s's), then mk8s's egress chains and the full service sync.
 */
export function iptablesFixturePlan(s: State): Plan {
  return [
    step(['iptables', '-w', '-P', 'FORWARD', 'DROP']),
    step(['iptables', '-w', '-A', 'INPUT', '-s', '192.168.56.66/32', '-p', 'udp', '-m', 'udp', '--dport', '8472', '-j', 'DROP']),
    ...egressPlan(s.cluster!),
    // the rules only: the services' files for the boot script are the node's disk, not its tables
    ...fullServicesPlan(s, s.nodes.node1).filter((x) => !x.argv.includes(SERVICES_DIR)),
  ]
}

/** kube-proxy's chain names for the fixtures' service ports, as the planner computes them. */
export const chains = {
  svc: (ns: string, name: string, proto: string, port: string) => `KUBE-SVC-${portChainBase(servicePortName(ns, name, port), proto)}`,
  ext: (ns: string, name: string, proto: string, port: string) => `KUBE-EXT-${portChainBase(servicePortName(ns, name, port), proto)}`,
  sep: (ns: string, name: string, proto: string, port: string, endpoint: string) => endpointChainName(servicePortName(ns, name, port), proto, endpoint),
}
