import {readFileSync, writeFileSync} from 'node:fs'
import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'
import {clusterInit} from '../../src/lib/cluster/service.js'
import {InputError} from '../../src/lib/errors.js'
import {exportManifests} from '../../src/lib/export/manifests.js'
import {resolveKind} from '../../src/lib/kubectl/kinds.js'
import {printGroups} from '../../src/lib/kubectl/printers.js'
import {getGroups} from '../../src/lib/kubectl/resources.js'
import {scaleTargets} from '../../src/lib/kubectl/verbs.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {nodeJoin} from '../../src/lib/node/service.js'
import type {Runtime} from '../../src/lib/runtime/runtime.js'
import type {PodRecord, StatefulSetRecord} from '../../src/lib/state/schema.js'
import {planStatefulSet, podFor, revisionOf, setPods, stepText} from '../../src/lib/statefulset/model.js'
import {applyStatefulSet, deleteStatefulSet, scaleStatefulSet, type StatefulSetInput} from '../../src/lib/statefulset/service.js'
import {toV1StatefulSet} from '../../src/lib/statefulset/v1.js'
import {harness} from './harness.js'

const DEAD_PID = 2 ** 22 + 11 // no such process

const template = {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'nginx', image: 'mk8s/busybox', command: ['sleep', '3600']}]}}
const set = (o: Partial<StatefulSetRecord> = {}): StatefulSetRecord => ({
  namespace: 'default',
  name: 'web',
  uid: 'u-web',
  replicas: 3,
  selector: {app: 'web'},
  serviceName: 'web',
  podManagementPolicy: 'OrderedReady',
  updateStrategy: 'RollingUpdate',
  start: 0,
  labels: {},
  template,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...o,
})

/** A pod of the set as the state would hold it (only what the planner reads). */
const pod = (s: StatefulSetRecord, i: number, o: Partial<PodRecord> = {}): PodRecord => {
  const p = podFor(s, i)
  return {namespace: p.namespace, name: p.name, uid: `u-${p.name}`, node: 'node1', network: 'pod', labels: p.labels, spec: p.spec as PodRecord['spec'], owner: p.owner, ownerKind: p.ownerKind, phase: 'Running', containers: [], createdAt: '2026-01-01T00:00:00.000Z', ...o}
}

const plan = (s: StatefulSetRecord, pods: PodRecord[], dead: string[] = []) => planStatefulSet(s, pods, new Set(dead)).map((x) => stepText(s, x))

describe('StatefulSet planner (OrderedReady, as Kubernetes documents it)', () => {
  it('makes NAME-0..NAME-(N-1) lowest first, one step each, so that each is Running before the next', () => {
    expect(plan(set(), [])).toEqual(['statefulset web: creating pod web-0', 'statefulset web: creating pod web-1', 'statefulset web: creating pod web-2'])
  })

  it('makes only the missing ordinals: a deleted web-1 comes back as web-1', () => {
    const s = set()
    expect(plan(s, [pod(s, 0), pod(s, 2)])).toEqual(['statefulset web: creating pod web-1'])
    expect(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2)])).toEqual([])
  })

  it('scales down highest ordinal first, one at a time', () => {
    const s = set({replicas: 1})
    expect(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2)])).toEqual(['statefulset web: deleting pod web-2', 'statefulset web: deleting pod web-1'])
  })

  it('Parallel makes and removes all at once', () => {
    expect(plan(set({podManagementPolicy: 'Parallel'}), [])).toEqual(['statefulset web: creating pod web-0, web-1, web-2'])
    const s = set({podManagementPolicy: 'Parallel', replicas: 0})
    expect(plan(s, [pod(s, 0), pod(s, 1)])).toEqual(['statefulset web: deleting pod web-1, web-0'])
  })

  it('replaces pods of an older template highest ordinal first (RollingUpdate); OnDelete only remakes a deleted pod', () => {
    const old = set()
    const pods = [pod(old, 0), pod(old, 1), pod(old, 2)]
    const changed = {...template, spec: {containers: [{...template.spec.containers[0], image: 'mk8s/busybox:2'}]}}
    expect(plan(set({template: changed}), pods)).toEqual([
      'statefulset web: replacing pod web-2 (an older template)',
      'statefulset web: replacing pod web-1 (an older template)',
      'statefulset web: replacing pod web-0 (an older template)',
    ])
    expect(plan(set({template: changed, updateStrategy: 'OnDelete'}), pods)).toEqual([])
    expect(plan(set({template: changed, updateStrategy: 'OnDelete'}), pods.slice(1))).toEqual(['statefulset web: creating pod web-0'])
  })

  it('clears pods that will never run (a killed command, a failed pod) and makes them again in order', () => {
    const s = set()
    expect(plan(s, [pod(s, 0), pod(s, 1, {phase: 'Pending'}), pod(s, 2)], ['u-web-1'])).toEqual(['statefulset web: removing what will never run of web-1', 'statefulset web: creating pod web-1'])
    // a pod another live mk8s is deleting is left to it, and not made again while it holds the name
    expect(plan(s, [pod(s, 0), pod(s, 1, {phase: 'Terminating'}), pod(s, 2)])).toEqual([])
  })

  it('starts at spec.ordinals.start, and a changed start makes the new ordinals before removing the old', () => {
    expect(plan(set({start: 5, replicas: 2}), [])).toEqual(['statefulset web: creating pod web-5', 'statefulset web: creating pod web-6'])
    const s = set({replicas: 2})
    expect(plan(set({replicas: 2, start: 1}), [pod(s, 0), pod(s, 1)])).toEqual(['statefulset web: creating pod web-2', 'statefulset web: deleting pod web-0'])
  })

  it("gives each pod its identity: hostname NAME-i, subdomain the governing Service, Kubernetes' labels", () => {
    const p = podFor(set(), 1)
    expect(p).toEqual({
      namespace: 'default',
      name: 'web-1',
      labels: {app: 'web', 'controller-revision-hash': revisionOf(set()), 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1'},
      spec: {...template.spec, hostname: 'web-1', subdomain: 'web'},
      owner: 'web',
      ownerKind: 'StatefulSet',
    })
    expect(revisionOf(set())).toMatch(/^web-[0-9a-f]{10}$/)
    expect(podFor(set({serviceName: undefined}), 0).spec).not.toHaveProperty('subdomain')
  })
})

const manifest = (extra = '', templateSpec = '') => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: mk8s/busybox
${templateSpec}${extra}`

function parse(yaml: string) {
  try {
    return {objs: parseManifests(yaml, 'f.yaml', 'default')}
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return {error: error.message, hint: error.hint}
  }
}

describe('StatefulSet manifests', () => {
  it('reads what kubectl get -o yaml writes of a StatefulSet', () => {
    const yaml = manifest(`  podManagementPolicy: OrderedReady
  revisionHistoryLimit: 10
  minReadySeconds: 0
  persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Retain}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}
  volumeClaimTemplates: []
status: {replicas: 3, readyReplicas: 3, currentRevision: web-abc}
`)
    const r = parse(yaml)
    expect(r.error).toBeUndefined()
    expect(r.objs![0]).toMatchObject({kind: 'StatefulSet', name: 'web', value: {replicas: 3, serviceName: 'web', podManagementPolicy: 'OrderedReady', updateStrategy: 'RollingUpdate', start: 0, selector: {app: 'web'}}})
  })

  it('refuses volume claims, a hostname of its own, and a partitioned update, naming the field', () => {
    expect(parse(manifest('  volumeClaimTemplates: [{metadata: {name: data}}]\n'))).toEqual({
      error: 'StatefulSet default/web (f.yaml document 1): spec.volumeClaimTemplates: mk8s pods have no volumes, so a StatefulSet makes no PersistentVolumeClaims',
      hint: "remove volumeClaimTemplates (and the containers' volumeMounts); keep state outside the pods; nothing was applied",
    })
    expect(parse(manifest('', '      hostname: db\n')).error).toBe("StatefulSet default/web (f.yaml document 1): spec.template.spec.hostname: the StatefulSet sets each pod's hostname to its name, NAME-ORDINAL")
    expect(parse(manifest('  updateStrategy: {rollingUpdate: {partition: 2}}\n')).error).toBe('StatefulSet default/web (f.yaml document 1): spec.updateStrategy.rollingUpdate.partition: mk8s takes only 0 here (mk8s updates every ordinal)')
    expect(parse(manifest('  podManagementPolicy: Sometimes\n')).error).toBe('StatefulSet default/web (f.yaml document 1): spec.podManagementPolicy must be OrderedReady or Parallel, not "Sometimes"')
    expect(parse(manifest().replace('{matchLabels: {app: web}}', '{matchLabels: {app: db}}')).error).toBe('statefulset default/web: spec.selector does not match spec.template.metadata.labels')
  })
})

const input = (o: Partial<StatefulSetInput> = {}): StatefulSetInput => {
  const {uid: _u, createdAt: _c, ...rest} = set(o)
  return rest
}

async function cluster(reads?: Runtime) {
  const h = harness(undefined, {reads})
  const lines: string[] = []
  h.ctx.progress = (l) => lines.push(l)
  await clusterInit(h.ctx, {})
  await nodeJoin(h.ctx, 'node1', {ssh: 'root@192.168.56.11'})
  await nodeJoin(h.ctx, 'node2', {ssh: 'root@192.168.56.12'})
  return {h, lines}
}

const names = (ps: readonly {name: string}[]) => ps.map((p) => p.name)

describe('StatefulSet service', () => {
  it('apply makes web-0..2 in order with their hostnames; scale down removes web-2 then web-1; scale up brings web-1 back; delete removes all', async () => {
    const {h, lines} = await cluster()
    const r = await applyStatefulSet(h.ctx, input())
    expect(names(r.created)).toEqual(['web-0', 'web-1', 'web-2'])
    expect(lines.filter((l) => l.startsWith('statefulset'))).toEqual(['statefulset web: creating pod web-0', 'statefulset web: creating pod web-1', 'statefulset web: creating pod web-2'])
    const pods = setPods(h.ctx.store.read(), set()).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name))
    expect(names(pods)).toEqual(['web-0', 'web-1', 'web-2'])
    expect(pods.map((p) => [p.spec.hostname, p.spec.subdomain, p.phase])).toEqual([['web-0', 'web', 'Running'], ['web-1', 'web', 'Running'], ['web-2', 'web', 'Running']])
    // the pause container is made with the pod's hostname and the governing Service's domain
    expect(h.text()).toContain('--hostname web-0 --domainname web.default.svc.cluster.local')
    lines.length = 0
    const down = await scaleStatefulSet(h.ctx, 'default', 'web', 1)
    expect(names(down.deleted)).toEqual(['web-2', 'web-1'])
    expect(lines.filter((l) => l.startsWith('statefulset'))).toEqual(['statefulset web: deleting pod web-2', 'statefulset web: deleting pod web-1'])
    const up = await scaleStatefulSet(h.ctx, 'default', 'web', 2)
    expect(names(up.created)).toEqual(['web-1'])
    expect(h.ctx.store.read().pods['default/web-1'].spec.hostname).toBe('web-1')
    await deleteStatefulSet(h.ctx, 'default', 'web')
    expect(Object.keys(h.ctx.store.read().pods)).toEqual([])
    expect(h.ctx.store.read().statefulSets).toEqual({})
  })

  it('a re-apply converges after a killed apply: a pod left Pending by a dead mk8s, or with its containers gone, is made again with its name', async () => {
    const gone = new Set<string>()
    const reads: Runtime = {on: (_n, fn) => fn({startPause: async () => '', startApps: async () => [], removePod: async () => {}, sandboxGone: async (p) => gone.has(p.uid)})}
    const {h} = await cluster(reads)
    await applyStatefulSet(h.ctx, input())
    const saved = JSON.parse(readFileSync(h.path, 'utf8'))
    Object.assign(saved.pods['default/web-1'], {phase: 'Pending', pid: DEAD_PID})
    writeFileSync(h.path, JSON.stringify(saved))
    gone.add(saved.pods['default/web-2'].uid)
    const r = await applyStatefulSet(h.ctx, input())
    expect(names(r.deleted)).toEqual(['web-1', 'web-2'])
    expect(names(r.created)).toEqual(['web-1', 'web-2'])
    expect(Object.values(h.ctx.store.read().pods).map((p) => [p.name, p.phase]).sort()).toEqual([['web-0', 'Running'], ['web-1', 'Running'], ['web-2', 'Running']])
  })

  it('refuses, before any host is touched, a changed serviceName and a pod of its name that is not its own', async () => {
    const {h} = await cluster()
    await applyStatefulSet(h.ctx, input({replicas: 1}))
    await expect(applyStatefulSet(h.ctx, input({serviceName: 'other'}))).rejects.toThrowError('statefulset default/web: spec.serviceName cannot be changed (it was "web")')
    const {createPods} = await import('../../src/lib/pod/service.js')
    await createPods(h.ctx, [{namespace: 'default', name: 'db-0', labels: {}, spec: template.spec}])
    await expect(applyStatefulSet(h.ctx, input({name: 'db', replicas: 1}))).rejects.toThrowError("statefulset default/db: pod db-0 exists and is not this StatefulSet's")
  })

  it('another template replaces the pods highest ordinal first, each with its name; rollout restart does the same', async () => {
    const {h, lines} = await cluster()
    await applyStatefulSet(h.ctx, input())
    const before = Object.fromEntries(Object.values(h.ctx.store.read().pods).map((p) => [p.name, p.uid]))
    lines.length = 0
    const changed = {...template, spec: {containers: [{...template.spec.containers[0], image: 'mk8s/busybox:2'}]}}
    const r = await applyStatefulSet(h.ctx, input({template: changed}))
    expect(names(r.deleted)).toEqual(['web-2', 'web-1', 'web-0'])
    expect(names(r.created)).toEqual(['web-2', 'web-1', 'web-0'])
    expect(lines).toEqual(['statefulset web: replacing pod web-2 (an older template)', 'statefulset web: replacing pod web-1 (an older template)', 'statefulset web: replacing pod web-0 (an older template)'])
    const pods = Object.values(h.ctx.store.read().pods)
    expect(pods.map((p) => [p.name, p.spec.containers[0].image, p.spec.hostname, p.uid === before[p.name]]).sort()).toEqual([['web-0', 'mk8s/busybox:2', 'web-0', false], ['web-1', 'mk8s/busybox:2', 'web-1', false], ['web-2', 'mk8s/busybox:2', 'web-2', false]])
    const {restartTargets} = await import('../../src/lib/kubectl/verbs.js')
    lines.length = 0
    expect(await restartTargets(h.ctx, [{kind: resolveKind('sts'), namespace: 'default', name: 'web'}], '2026-02-02T00:00:00Z')).toEqual(['statefulset.apps/web restarted'])
    expect(lines).toEqual(['statefulset web: replacing pod web-2 (an older template)', 'statefulset web: replacing pod web-1 (an older template)', 'statefulset web: replacing pod web-0 (an older template)'])
    expect((h.ctx.store.read().statefulSets['default/web'].template as {metadata: {annotations: Record<string, string>}}).metadata.annotations).toEqual({'kubectl.kubernetes.io/restartedAt': '2026-02-02T00:00:00Z'})
  })

  it('deleting its namespace deletes the StatefulSet and its pods', async () => {
    const {h} = await cluster()
    const {deleteNamespace} = await import('../../src/lib/namespace/service.js')
    await applyStatefulSet(h.ctx, input({namespace: 'shop', replicas: 2}))
    expect(Object.keys(h.ctx.store.read().pods).sort()).toEqual(['shop/web-0', 'shop/web-1'])
    await deleteNamespace(h.ctx, 'shop')
    expect(h.ctx.store.read().pods).toEqual({})
    expect(h.ctx.store.read().statefulSets).toEqual({})
  })

  it("a Deployment's pods are not a StatefulSet's of the same name, nor the reverse", async () => {
    const {h} = await cluster()
    const {applyDeployment, ownedPods} = await import('../../src/lib/deploy/service.js')
    await applyStatefulSet(h.ctx, input({replicas: 2}))
    await applyDeployment(h.ctx, {namespace: 'default', name: 'web', labels: {}, replicas: 1, selector: {app: 'web'}, template})
    expect(ownedPods(h.ctx.store.read(), {namespace: 'default', name: 'web'})).toHaveLength(1)
    expect(names(setPods(h.ctx.store.read(), set())).sort()).toEqual(['web-0', 'web-1'])
  })

  it('kubectl get statefulsets: NAME READY AGE, wide CONTAINERS IMAGES; -o yaml and export in apps/v1 shape; scale statefulset/NAME', async () => {
    const {h} = await cluster()
    await applyStatefulSet(h.ctx, input())
    const q = {namespace: 'default', selector: [], fields: [], now: Date.parse(h.ctx.store.read().statefulSets['default/web'].createdAt) + 3 * 86_400_000}
    const {groups} = await getGroups(h.ctx, [{kind: resolveKind('sts'), names: []}], q)
    expect(printGroups(groups, {output: {t: 'table'}})).toBe('NAME   READY   AGE\nweb    3/3     3d')
    expect(printGroups(groups, {output: {t: 'wide'}})).toBe('NAME   READY   AGE   CONTAINERS   IMAGES\nweb    3/3     3d    nginx        mk8s/busybox')
    expect(printGroups(groups, {output: {t: 'name'}})).toBe('statefulset.apps/web')
    const v1 = toV1StatefulSet(h.ctx.store.read(), h.ctx.store.read().statefulSets['default/web'])
    expect(v1.spec).toEqual({replicas: 3, selector: {matchLabels: {app: 'web'}}, serviceName: 'web', podManagementPolicy: 'OrderedReady', updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}}, template})
    expect(v1.status).toMatchObject({replicas: 3, readyReplicas: 3, updatedReplicas: 3})
    const exported = exportManifests(h.ctx.store.read()).filter((m) => m.kind !== 'Namespace')
    expect(stringify(exported)).toBe(`- apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: web
    namespace: default
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    serviceName: web
    podManagementPolicy: OrderedReady
    updateStrategy:
      type: RollingUpdate
      rollingUpdate:
        partition: 0
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
          - name: nginx
            image: mk8s/busybox
            command:
              - sleep
              - "3600"
`)
    // what export writes applies again as the same StatefulSet
    expect(parseManifests(stringify(exported[0]), 'export', 'default')[0].value).toEqual(input())
    const targets = [{kind: resolveKind('statefulset'), namespace: 'default', name: 'web'}]
    await expect(scaleTargets(h.ctx, targets, 1, 2)).rejects.toThrowError('expected replicas to be 2, was 3')
    expect(await scaleTargets(h.ctx, targets, 1)).toEqual(['statefulset.apps/web scaled'])
    expect(Object.keys(h.ctx.store.read().pods)).toEqual(['default/web-0'])
  })
})
