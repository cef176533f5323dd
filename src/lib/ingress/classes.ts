/**
 * Which Ingresses mk8s's nginx serves, as the IngressClass documentation defines it: an Ingress
 * names its class (spec.ingressClassName); one without a class belongs to the class marked
 * default, or, when none is, to mk8s's controller. A class is mk8s's when its spec.controller is
 * mk8s's; a class name with no IngressClass object is mk8s's when it is "mk8s" or "nginx". Pure.
 */
import type {IngressClassRecord, IngressRecord, State} from '../state/schema.js'

export const MK8S_CONTROLLERS = ['mk8s.io/ingress-nginx', 'k8s.io/ingress-nginx']
export const MK8S_CLASS_NAMES = ['mk8s', 'nginx']
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class'

const classes = (state: State): IngressClassRecord[] => Object.values(state.ingressClasses ?? {})

/** undefined: served; otherwise why not, for apply and `ingress get`. */
export function notServedReason(state: State, ing: Pick<IngressRecord, 'spec'>): string | undefined {
  const name = ing.spec.ingressClassName
  if (name === undefined) {
    const defaults = classes(state).filter((c) => c.isDefault)
    if (defaults.length === 0 || defaults.some((c) => MK8S_CONTROLLERS.includes(c.controller))) return undefined
    return `it has no ingressClassName and the default class ${defaults.map((c) => c.name).join(', ')} is not mk8s's (controller ${defaults[0].controller})`
  }
  const cls = state.ingressClasses?.[name]
  if (cls) return MK8S_CONTROLLERS.includes(cls.controller) ? undefined : `its class ${name} has controller ${cls.controller}, not mk8s's (${MK8S_CONTROLLERS[0]})`
  return MK8S_CLASS_NAMES.includes(name) ? undefined : `its class ${name} is not mk8s's: there is no IngressClass ${name}, and mk8s serves the classes ${MK8S_CLASS_NAMES.join(' and ')}`
}

export const served = (state: State, ing: IngressRecord): boolean => notServedReason(state, ing) === undefined

/** What apply and `ingress get` report about an Ingress: why it is not served, and each TLS section nginx cannot terminate. */
export function ingressProblems(state: State, ing: Pick<IngressRecord, 'spec' | 'namespace'>): string[] {
  const why = notServedReason(state, ing)
  if (why) return [`not served: ${why}`]
  const out: string[] = []
  for (const [i, t] of ing.spec.tls.entries()) {
    if (!t.secretName) continue
    const secret = state.secrets[`${ing.namespace}/${t.secretName}`]
    if (!secret) out.push(`spec.tls[${i}]: Secret ${t.secretName} does not exist: ${t.hosts.join(',') || '*'} not terminated`)
    else if (secret.type !== 'kubernetes.io/tls') out.push(`spec.tls[${i}]: Secret ${t.secretName} is of type ${secret.type}, not kubernetes.io/tls: ${t.hosts.join(',') || '*'} not terminated`)
  }
  return out
}
