/**
 * A container's environment as kubelet makes it when the pod starts: envFrom sources first (a
 * ConfigMap's or Secret's keys, with the prefix), then env in order, each value from a literal
 * (with $(VAR) references to earlier variables expanded, $$(VAR) kept literally), a ConfigMap or
 * Secret key, or a field of the pod. A missing ConfigMap, Secret or key is exit 2 unless the
 * reference is optional. Later values of one name win. Pure.
 */
import {InputError} from '../errors.js'
import {decode} from '../secret/spec.js'
import {objKey, type PodRecord, type State} from '../state/schema.js'
import type {Container} from './spec.js'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/** Kubernetes' $(VAR) expansion: a defined name is replaced, an undefined one kept, $$ is one $. */
export function expandRefs(value: string, vars: Map<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) => (m === '$$' ? '$' : vars.has(name!) ? vars.get(name!)! : m))
}

export function containerEnv(state: State, pod: PodRecord, c: Container): string[] {
  const where = `pod ${pod.namespace}/${pod.name} container ${c.name}`
  const vars = new Map<string, string>()
  const source = (kind: 'ConfigMap' | 'Secret', name: string, optional: boolean | undefined): Record<string, string> | undefined => {
    const key = objKey(pod.namespace, name)
    const data = kind === 'ConfigMap' ? state.configMaps[key]?.data : mapValues(state.secrets[key]?.data, decode)
    if (!data && !optional) throw new InputError(`${where}: ${kind} "${name}" not found in namespace ${pod.namespace}`, `apply the ${kind} first, or mark the reference optional: true`)
    return data
  }
  for (const [i, from] of (c.envFrom ?? []).entries()) {
    const ref = from.configMapRef ?? from.secretRef!
    const data = source(from.configMapRef ? 'ConfigMap' : 'Secret', ref.name, ref.optional) ?? {}
    for (const [k, v] of Object.entries(data)) {
      const name = `${from.prefix ?? ''}${k}`
      if (!ENV_NAME.test(name)) throw new InputError(`${where}: envFrom[${i}] key ${JSON.stringify(k)} is not an environment variable name`, 'give the key another name, or use env with valueFrom for the keys you need')
      vars.set(name, v)
    }
  }
  for (const e of c.env) {
    const from = e.valueFrom
    if (!from) {
      vars.set(e.name, expandRefs(e.value, vars))
      continue
    }
    if (from.fieldRef) {
      vars.set(e.name, fieldValue(state, pod, from.fieldRef.fieldPath))
      continue
    }
    const ref = (from.configMapKeyRef ?? from.secretKeyRef)!
    const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret'
    const data = source(kind, ref.name, ref.optional)
    if (data && data[ref.key] === undefined && !ref.optional) throw new InputError(`${where}: env ${e.name}: ${kind} "${ref.name}" has no key ${JSON.stringify(ref.key)}`, `add the key, or mark the reference optional: true`)
    if (data?.[ref.key] !== undefined) vars.set(e.name, data[ref.key])
  }
  return [...vars].map(([k, v]) => `${k}=${v}`)
}

const mapValues = (o: Record<string, string> | undefined, f: (v: string) => string) => (o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) : undefined)

function fieldValue(state: State, pod: PodRecord, path: string): string {
  switch (path) {
    case 'metadata.name':
      return pod.name
    case 'metadata.namespace':
      return pod.namespace
    case 'metadata.uid':
      return pod.uid
    case 'spec.nodeName':
      return pod.node
    case 'status.podIP':
      return pod.ip ?? ''
    case 'status.hostIP':
      return state.nodes[pod.node]?.address ?? ''
    default:
      throw new InputError(`pod ${pod.namespace}/${pod.name}: fieldRef ${path} is not supported`)
  }
}

/** Every container's environment, by container name (what the pod record keeps). */
export const podEnv = (state: State, pod: PodRecord, containers: readonly Container[]): Record<string, string[]> =>
  Object.fromEntries(containers.map((c) => [c.name, containerEnv(state, pod, c)]))
