import {describe, expect, it} from 'vitest'
import {ingressProblems, notServedReason} from '../../src/lib/ingress/classes.js'
import {ingressModel} from '../../src/lib/ingress/model.js'
import {parseIngressSpec} from '../../src/lib/ingress/spec.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {emptyState, type IngressRecord, type State} from '../../src/lib/state/schema.js'
import {pod, svc} from './dns-fixture.js'

const ing = (name: string, host: string, extra: Record<string, unknown> = {}): IngressRecord => ({
  namespace: 'default', name, uid: name, labels: {}, annotations: {}, createdAt: `2026-01-01T00:00:0${name.length}Z`,
  spec: parseIngressSpec({...extra, rules: [{host, http: {paths: [{path: '/', pathType: 'Prefix', backend: {service: {name: 'web', port: {number: 80}}}}]}}]}, name),
})

function state(): State {
  const s = emptyState()
  s.pods['default/web-a'] = pod('web-a', '10.244.0.5', {app: 'web'})
  s.services['default/web'] = svc('web', '10.96.0.20', {app: 'web'}, [{protocol: 'TCP', port: 80, targetPort: 80}])
  return s
}

const cls = (name: string, controller: string, isDefault = false) => ({name, uid: name, controller, isDefault, labels: {}, annotations: {}, createdAt: 'x'})

describe('IngressClass: which Ingresses mk8s serves', () => {
  it('unset, mk8s or nginx without IngressClass objects: served; another class name: not', () => {
    const s = state()
    expect(notServedReason(s, ing('a', 'a.lab'))).toBeUndefined()
    expect(notServedReason(s, ing('b', 'b.lab', {ingressClassName: 'nginx'}))).toBeUndefined()
    expect(notServedReason(s, ing('c', 'c.lab', {ingressClassName: 'traefik'}))).toBe(
      "its class traefik is not mk8s's: there is no IngressClass traefik, and mk8s serves the classes mk8s and nginx",
    )
  })

  it("a class's controller decides; an Ingress without a class belongs to the default class", () => {
    const s = state()
    s.ingressClasses.traefik = cls('traefik', 'traefik.io/ingress-controller', true)
    s.ingressClasses.lab = cls('lab', 'mk8s.io/ingress-nginx')
    s.ingresses['default/a'] = ing('a', 'a.lab')
    s.ingresses['default/lab'] = ing('lab', 'lab.lab', {ingressClassName: 'lab'})
    s.ingresses['default/t'] = ing('t', 't.lab', {ingressClassName: 'traefik'})
    expect(notServedReason(s, s.ingresses['default/a'])).toBe("it has no ingressClassName and the default class traefik is not mk8s's (controller traefik.io/ingress-controller)")
    expect(notServedReason(s, s.ingresses['default/t'])).toBe("its class traefik has controller traefik.io/ingress-controller, not mk8s's (mk8s.io/ingress-nginx)")
    expect(ingressModel(s).servers.map((x) => x.host)).toEqual(['_', 'lab.lab'])
    s.ingressClasses.lab.isDefault = true
    expect(ingressModel(s).servers.map((x) => x.host)).toEqual(['_', 'a.lab', 'lab.lab'])
  })

  it('a TLS section whose Secret is missing or not kubernetes.io/tls is reported, not terminated', () => {
    const s = state()
    s.secrets['default/plain'] = {namespace: 'default', name: 'plain', uid: 'u', type: 'Opaque', labels: {}, data: {}, createdAt: 'x'}
    const i = ing('a', 'a.lab', {tls: [{hosts: ['a.lab'], secretName: 'gone'}, {hosts: ['a.lab'], secretName: 'plain'}]})
    expect(ingressProblems(s, i)).toEqual([
      'spec.tls[0]: Secret gone does not exist: a.lab not terminated',
      'spec.tls[1]: Secret plain is of type Opaque, not kubernetes.io/tls: a.lab not terminated',
    ])
    s.ingresses['default/a'] = i
    expect(ingressModel(s).servers.find((x) => x.host === 'a.lab')?.tls).toBeUndefined()
  })

  it('parses an IngressClass with its default annotation; cluster-scoped', () => {
    const [p] = parseManifests(
      'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: lab\n  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}\nspec: {controller: mk8s.io/ingress-nginx}\n',
      'f',
      'default',
    )
    expect(p).toEqual({kind: 'IngressClass', namespace: '', name: 'lab', value: {name: 'lab', controller: 'mk8s.io/ingress-nginx', isDefault: true, labels: {}, annotations: {'ingressclass.kubernetes.io/is-default-class': 'true'}}})
    expect(() => parseManifests('apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: x}\nspec: {controller: mk8s.io/x, parameters: {kind: X, name: y}}\n', 'f', 'default')).toThrow(
      "IngressClass x (f document 1): spec.parameters: mk8s's nginx takes no class parameters",
    )
  })
})
