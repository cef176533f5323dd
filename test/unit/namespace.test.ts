import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {Ctx} from '../../src/lib/context.js'
import {InputError} from '../../src/lib/errors.js'
import {exportManifests} from '../../src/lib/export/manifests.js'
import {toYamlDocuments} from '../../src/lib/export/yaml.js'
import {manifestKinds} from '../../src/lib/manifest/registry.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {kindFields} from '../../src/lib/manifest/supported.js'
import {listNamespaces, namespaceLabels, toV1Namespace, viewOf} from '../../src/lib/namespace/model.js'
import {applyNamespace, deleteNamespace} from '../../src/lib/namespace/service.js'
import {StateSchema, type State} from '../../src/lib/state/schema.js'
import {StateStore} from '../../src/lib/state/store.js'
import {sampleState} from './fixtures.js'

const T = '2026-01-01T00:00:00.000Z'

function withShop(): State {
  const s = sampleState()
  s.namespaces.shop = {name: 'shop', labels: {team: 'a', 'kubernetes.io/metadata.name': 'shop'}, uid: 'uid-shop', createdAt: T}
  s.secrets['shop/tls'] = {namespace: 'shop', name: 'tls', uid: 'u1', type: 'Opaque', labels: {}, data: {a: 'YQ=='}, createdAt: T}
  s.ingresses['shop/front'] = {
    namespace: 'shop', name: 'front', uid: 'u2', labels: {}, annotations: {note: 'x'},
    spec: {tls: [], rules: [{host: 'shop.example', http: {paths: [{path: '/', pathType: 'Prefix', backend: {service: {name: 'cart', port: {number: 80}}}}]}}]},
    createdAt: T,
  }
  return s
}

describe('namespaces', () => {
  it('every kind apply knows has a field tree', () => {
    expect([...manifestKinds.keys()].sort()).toEqual(Object.keys(kindFields).sort())
  })

  it('old state files read: namespaces default to none', () => {
    const {namespaces: _n, ...old} = sampleState()
    expect(StateSchema.parse(old).namespaces).toEqual({})
  })

  it('labels always hold kubernetes.io/metadata.name, also for a namespace never applied', () => {
    const s = withShop()
    expect(namespaceLabels(s, 'shop')).toEqual({team: 'a', 'kubernetes.io/metadata.name': 'shop'})
    expect(namespaceLabels(s, 'default')).toEqual({'kubernetes.io/metadata.name': 'default'})
    expect(listNamespaces(s).map((n) => `${n.name}:${n.origin}`)).toEqual(['default:built-in', 'kube-node-lease:built-in', 'kube-public:built-in', 'kube-system:built-in', 'shop:applied'])
    expect(toV1Namespace(viewOf(s, 'shop'))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {name: 'shop', uid: 'uid-shop', creationTimestamp: T, labels: {team: 'a', 'kubernetes.io/metadata.name': 'shop'}},
      spec: {finalizers: ['kubernetes']},
      status: {phase: 'Active'},
    })
  })

  it("a Namespace's kubectl output applies; metadata.namespace on one is refused", () => {
    const [p] = parseManifests(JSON.stringify(toV1Namespace(viewOf(withShop(), 'shop'))), 'ns.json', 'default')
    expect(p).toEqual({kind: 'Namespace', namespace: '', name: 'shop', value: {name: 'shop', labels: {team: 'a', 'kubernetes.io/metadata.name': 'shop'}}})
    expect(() => parseManifests('apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, namespace: x}\n', 'f', 'default')).toThrow(
      'Namespace shop (f document 1): metadata.namespace: a Namespace is not in a namespace',
    )
  })

  it('export puts applied Namespaces (with labels) first, then Secrets, Services, Deployments, Pods, Ingresses; it applies back as the same objects', () => {
    const s = withShop()
    const items = exportManifests(s, 'shop')
    expect(items).toEqual([
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop', labels: {team: 'a'}}},
      {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'tls', namespace: 'shop'}, type: 'Opaque', data: {a: 'YQ=='}},
      {apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: {name: 'front', namespace: 'shop', annotations: {note: 'x'}}, spec: s.ingresses['shop/front'].spec},
    ])
    const parsed = parseManifests(toYamlDocuments(exportManifests(s)), 'stdin', 'default')
    expect(parsed.map((p) => `${p.kind} ${p.namespace}/${p.name}`)).toEqual([
      'Namespace /shop', 'Secret shop/tls', 'Service default/web', 'Service default/web-np', 'Deployment default/web', 'Pod default/client', 'Pod default/late', 'Ingress shop/front',
    ])
    expect(parsed[0].value).toEqual({name: 'shop', labels: {team: 'a'}})
    expect(parsed[1].value).toEqual({namespace: 'shop', name: 'tls', labels: {}, type: 'Opaque', data: {a: 'YQ=='}})
    expect(parsed[7].value).toMatchObject({namespace: 'shop', name: 'front', annotations: {note: 'x'}, spec: s.ingresses['shop/front'].spec})
  })

  it('apply sets the name label; delete removes what is in the namespace, and refuses the built-in ones', async () => {
    const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'mk8s-ns-')), 'state.json'))
    const ctx = {store, dryRun: false, namespace: 'default', progress: () => {}} as unknown as Ctx
    expect((await applyNamespace(ctx, {name: 'shop', labels: {team: 'a'}})).created).toBe(true)
    expect(store.read().namespaces.shop.labels).toEqual({team: 'a', 'kubernetes.io/metadata.name': 'shop'})
    expect(await applyNamespace(ctx, {name: 'shop', labels: {team: 'a'}})).toMatchObject({created: false, changed: false})
    await store.update((s) => {
      s.secrets['shop/a'] = {namespace: 'shop', name: 'a', uid: 'u', type: 'Opaque', labels: {}, data: {}, createdAt: T}
      s.secrets['default/a'] = {namespace: 'default', name: 'a', uid: 'u', type: 'Opaque', labels: {}, data: {}, createdAt: T}
    })
    expect(await deleteNamespace(ctx, 'shop')).toEqual({name: 'shop', deleted: {pods: 0, deployments: 0, services: 0, ingresses: 0, secrets: 1, configMaps: 0}})
    expect(Object.keys(store.read().secrets)).toEqual(['default/a'])
    expect(store.read().namespaces).toEqual({})
    await expect(deleteNamespace(ctx, 'shop')).rejects.toThrow('namespace "shop" not found')
    await expect(deleteNamespace(ctx, 'default')).rejects.toBeInstanceOf(InputError)
  })
})
