import type {IngressRecord, State} from '../state/schema.js'
import {ingressNodeOf} from './service.js'

/** The controller's address (the ingress node's), once there is a node to run it. */
export const ingressAddress = (state: State): string | undefined => ingressNodeOf(state)?.address

/** A networking.k8s.io/v1 Ingress, as kubectl shows one. */
export function toV1Ingress(i: IngressRecord, address?: string) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: i.name,
      namespace: i.namespace,
      uid: i.uid,
      creationTimestamp: i.createdAt,
      ...(Object.keys(i.labels).length ? {labels: i.labels} : {}),
      ...(Object.keys(i.annotations).length ? {annotations: i.annotations} : {}),
    },
    spec: i.spec,
    status: {loadBalancer: address ? {ingress: [{ip: address}]} : {}},
  }
}

export const ingressHosts = (i: IngressRecord): string => {
  const hosts = [...new Set(i.spec.rules.map((r) => r.host ?? '*'))]
  return hosts.length ? hosts.join(',') : '*'
}

export const ingressPorts = (i: IngressRecord): string => (i.spec.tls.length ? '80, 443' : '80')
