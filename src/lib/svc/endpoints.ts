import type {PodRecord, ServicePort, ServiceRecord, State} from '../state/schema.js'
import {ipToNum} from '../util/cidr.js'
import {selects} from '../pod/spec.js'
import {podReady} from '../pod/model.js'

/** One backend of one service port: a Running pod's address and the port its container listens on. */
export interface Endpoint {
  ip: string
  port: number
  pod: string
  node: string
}


interface ContainerPort {
  name?: string
  containerPort?: number
  protocol?: string
}

/** The container port a service port's targetPort names in this pod, or undefined when the pod has none by that name. */
export function resolveTargetPort(pod: PodRecord, sp: ServicePort): number | undefined {
  if (typeof sp.targetPort === 'number') return sp.targetPort
  const containers = (pod.spec.containers ?? []) as Array<{ports?: ContainerPort[]}>
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === sp.targetPort && (p.protocol ?? 'TCP') === sp.protocol && typeof p.containerPort === 'number') return p.containerPort
    }
  }
  return undefined
}

/** The pods a service selects: same namespace, matching labels, ready (Running, its readinessProbe passed), with an address; in address order. */
export function selectedPods(state: State, svc: ServiceRecord): PodRecord[] {
  return Object.values(state.pods)
    .filter((p) => p.namespace === svc.namespace && podReady(p) && p.ip && selects(svc.selector, p.labels))
    .sort((a, b) => ipToNum(a.ip!) - ipToNum(b.ip!) || a.name.localeCompare(b.name))
}

/** Endpoints of every port of a service, derived from the pods (never stored). */
export function endpointsOf(state: State, svc: ServiceRecord): Array<{port: ServicePort; endpoints: Endpoint[]}> {
  const pods = selectedPods(state, svc)
  return svc.ports.map((port) => ({
    port,
    endpoints: pods.flatMap((p) => {
      const n = resolveTargetPort(p, port)
      return n === undefined ? [] : [{ip: p.ip!, port: n, pod: p.name, node: p.node}]
    }),
  }))
}
