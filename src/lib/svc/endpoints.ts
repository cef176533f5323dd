import type {PodRecord, ServicePort, ServiceRecord, State} from '../state/schema.js'
import {ipToNum} from '../util/cidr.js'
import {selects} from '../pod/spec.js'
import {manualAddresses, manualEndpoints} from '../endpoints/model.js'
import {podReady} from '../pod/model.js'

/**
 * One backend of one service port: a Running pod's address and the port its container listens on,
 * or an address listed by hand (Endpoints, EndpointSlice: no pod; node as listed, or '').
 */
export interface Endpoint {
  ip: string
  port: number
  /** the pod's name; none for an address listed by hand */
  pod?: string
  node: string
  /** listed by hand with a hostname (a headless service's DNS names it) */
  hostname?: string
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

/**
 * The pods a service selects: same namespace, matching labels, ready (Running, its readinessProbe
 * passed; with publishNotReadyAddresses, Running is enough), with an address; in address order.
 */
export function selectedPods(state: State, svc: ServiceRecord): PodRecord[] {
  const ready = svc.publishNotReadyAddresses ? (p: PodRecord) => p.phase === 'Running' : podReady
  return Object.values(state.pods)
    .filter((p) => p.namespace === svc.namespace && ready(p) && p.ip && selects(svc.selector, p.labels))
    .sort((a, b) => ipToNum(a.ip!) - ipToNum(b.ip!) || a.name.localeCompare(b.name))
}

/** Endpoints of every port of a service derived from the pods it selects (what Kubernetes' controllers derive). */
export function podEndpointsOf(state: State, svc: ServiceRecord): Array<{port: ServicePort; endpoints: Endpoint[]}> {
  const pods = selectedPods(state, svc)
  return svc.ports.map((port) => ({
    port,
    endpoints: pods.flatMap((p) => {
      const n = resolveTargetPort(p, port)
      return n === undefined ? [] : [{ip: p.ip!, port: n, pod: p.name, node: p.node}]
    }),
  }))
}

/**
 * Endpoints of every port of a service, as kube-proxy takes them: the pods' (never stored), then
 * the addresses users listed (an Endpoints object of a selectorless Service, EndpointSlices
 * labelled with its name), each ip:port once.
 */
export function endpointsOf(state: State, svc: ServiceRecord): Array<{port: ServicePort; endpoints: Endpoint[]}> {
  return podEndpointsOf(state, svc).map(({port, endpoints}) => {
    const seen = new Set(endpoints.map((e) => `${e.ip}:${e.port}`))
    const manual = manualEndpoints(state, svc, port).filter((e) => !seen.has(`${e.ip}:${e.port}`) && seen.add(`${e.ip}:${e.port}`))
    return {port, endpoints: manual.length ? [...endpoints, ...manual.sort((a, b) => ipToNum(a.ip) - ipToNum(b.ip) || a.port - b.port)] : endpoints}
  })
}

/** The ready addresses of a service whatever its ports (a headless service's A records): its pods', then those listed by hand, each once. */
export function endpointAddresses(state: State, svc: ServiceRecord): Array<{ip: string; pod?: string; hostname?: string}> {
  const pods = selectedPods(state, svc).map((p) => ({ip: p.ip!, pod: p.name}))
  const seen = new Set(pods.map((p) => p.ip))
  return [...pods, ...manualAddresses(state, svc).filter((a) => !seen.has(a.ip)).sort((a, b) => ipToNum(a.ip) - ipToNum(b.ip))]
}
