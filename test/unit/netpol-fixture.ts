import {PodSpecSchema} from '../../src/lib/pod/spec.js'
import {clusterFromOptions} from '../../src/lib/cluster/service.js'
import {emptyState, type PodRecord, type State} from '../../src/lib/state/schema.js'
import {parseNetpolSpec} from '../../src/lib/netpol/spec.js'
import {node} from './svc-fixture.js'

const T = '2024-01-01T00:00:00.000Z'

export function npod(ns: string, name: string, nodeName: string, ip: string, labels: Record<string, string>, ports: Array<{name?: string; containerPort: number; protocol?: 'TCP' | 'UDP'}> = []): PodRecord {
  return {namespace: ns, name, uid: `uid-${ns}-${name}`, node: nodeName, network: 'pod', ip, labels, spec: PodSpecSchema.parse({containers: [{name: 'c', image: 'mk8s/busybox', ports}]}), phase: 'Running', containers: [], createdAt: T}
}

/** Two nodes; pods x/a (node1), x/b (node2), y/a (node1); the policies given as specs by "ns/name". */
export function npFixture(specs: Record<string, unknown>, extraPods: PodRecord[] = []): State {
  const s = emptyState()
  s.cluster = clusterFromOptions({}, T)
  s.nodes = {node1: node('node1', 1), node2: node('node2', 2)}
  for (const p of [
    npod('x', 'a', 'node1', '10.244.0.2', {pod: 'a'}, [{name: 'http', containerPort: 80}]),
    npod('x', 'b', 'node2', '10.244.1.2', {pod: 'b'}, [{name: 'http', containerPort: 8080}]),
    npod('y', 'a', 'node1', '10.244.0.3', {pod: 'a'}),
    ...extraPods,
  ])
    s.pods[`${p.namespace}/${p.name}`] = p
  for (const [key, spec] of Object.entries(specs)) {
    const [namespace, name] = key.split('/')
    s.networkPolicies[key] = {namespace, name, uid: `uid-${name}`, labels: {}, annotations: {}, spec: parseNetpolSpec(spec, key), createdAt: T}
  }
  return s
}

/** A policy with every kind of ingress peer and port, and one that denies all egress (the doctor fixture's policies). */
export const ALLOW_A = {
  podSelector: {matchLabels: {pod: 'a'}},
  ingress: [{
    from: [{podSelector: {matchLabels: {pod: 'b'}}}, {namespaceSelector: {matchExpressions: [{key: 'kubernetes.io/metadata.name', operator: 'In', values: ['y']}]}, podSelector: {}}, {ipBlock: {cidr: '192.168.56.0/24', except: ['192.168.56.12/32']}}],
    ports: [{port: 'http'}, {port: 80, endPort: 90, protocol: 'UDP'}],
  }],
}
export const EGRESS_DENY = {podSelector: {}, policyTypes: ['Egress']}
