import {join} from 'node:path'
import {writeFileSync} from 'node:fs'
import {beforeEach, describe, expect, it} from 'vitest'
import type {PodRecord} from '../../src/lib/state/schema.js'
import {podFor} from '../../src/lib/statefulset/model.js'
import {sampleState} from '../unit/fixtures.js'
import {BIN, runPiped, tempDir} from './helpers.js'

/**
 * kubectl's verbs over a StatefulSet on the built CLI, without a lab: the nodes are on a loopback
 * port where nothing listens, so the pods read as Unknown and nothing reaches a host.
 */
const dir = tempDir('sts')
const state = join(dir, 'state.json')
const mk8s = (...args: string[]) => runPiped(['node', BIN, ...args], {env: {MK8S_STATE: state, NO_COLOR: '1'}})
const AGO = new Date(Date.now() - 3 * 86_400_000 - 60_000).toISOString() // AGE 3d

function writeState(): void {
  const s = sampleState()
  for (const n of Object.values(s.nodes)) n.target = {kind: 'ssh', user: 'root', host: '127.0.0.1', port: 1}
  const db = {
    namespace: 'default', name: 'db', uid: 'uid-db', replicas: 2, selector: {app: 'db'}, serviceName: 'db', podManagementPolicy: 'OrderedReady' as const,
    updateStrategy: 'RollingUpdate' as const, start: 0, labels: {tier: 'data'}, createdAt: AGO,
    template: {metadata: {labels: {app: 'db'}}, spec: {containers: [{name: 'pg', image: 'mk8s/busybox', command: ['sleep', '3600'], ports: [{containerPort: 5432}]}]}},
  }
  s.statefulSets['default/db'] = db
  for (const i of [0, 1]) {
    const p = podFor(db, i)
    const rec: PodRecord = {...p, uid: `uid-${p.name}`, node: `node${i + 1}`, network: 'pod', ip: `10.244.${i + 1}.9`, spec: {...(p.spec as PodRecord['spec']), restartPolicy: 'Always', hostNetwork: false}, phase: 'Running', containers: [{name: 'pg', image: 'mk8s/busybox'}], createdAt: AGO}
    s.pods[`default/${p.name}`] = rec
  }
  writeFileSync(state, JSON.stringify(s))
  writeFileSync(`${state}.programmed`, JSON.stringify({state: s, stale: []}))
}

describe('mk8s get|describe|scale statefulsets', () => {
  beforeEach(writeState)

  it('get sts: NAME READY AGE; -o wide adds CONTAINERS IMAGES; -o name and jsonpath in apps/v1 shape', () => {
    expect(mk8s('get', 'sts')).toEqual({code: 0, stdout: 'NAME   READY   AGE\ndb     2/2     3d\n', stderr: ''})
    expect(mk8s('get', 'statefulsets.apps', '-o', 'wide').stdout).toBe('NAME   READY   AGE   CONTAINERS   IMAGES\ndb     2/2     3d    pg           mk8s/busybox\n')
    expect(mk8s('get', 'statefulset', 'db', '-o', 'jsonpath={.kind} {.spec.serviceName} {.spec.podManagementPolicy} {.status.readyReplicas}').stdout).toBe('StatefulSet db OrderedReady 2')
    expect(mk8s('get', 'all', '-o', 'name').stdout).toContain('deployment.apps/web\nstatefulset.apps/db\n')
    const pod = JSON.parse(mk8s('get', 'pod', 'db-1', '-o', 'json').stdout)
    expect([pod.spec.hostname, pod.spec.subdomain, pod.metadata.labels['statefulset.kubernetes.io/pod-name'], pod.metadata.ownerReferences]).toEqual(['db-1', 'db', 'db-1', [{apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', controller: true}]])
  })

  it('describe sts names its pods in ordinal order with their hostnames', () => {
    expect(mk8s('describe', 'sts', 'db').stdout).toBe(
      [
        'Name:                   db',
        'Namespace:              default',
        `CreationTimestamp:      ${AGO}`,
        'Selector:               app=db',
        'Labels:                 tier=data',
        'Annotations:            <none>',
        'Replicas:               2 desired | 2 total',
        'Update Strategy:        RollingUpdate (highest ordinal first, one at a time)',
        'Pod Management Policy:  OrderedReady',
        'Service Name:           db',
        'Pods Status:            0 Running / 0 Waiting / 0 Succeeded / 0 Failed',
        'Pods:',
        '  db-0  Unknown  10.244.1.9  node1  hostname db-0.db',
        '  db-1  Unknown  10.244.2.9  node2  hostname db-1.db',
        'Pod Template:',
        '  pg:',
        '    Image:  mk8s/busybox',
        '    Ports:  5432/TCP',
        '',
      ].join('\n'),
    )
  })

  it('scale statefulset/NAME: --current-replicas is checked first; help names statefulsets', () => {
    expect(mk8s('scale', 'sts/db', '--replicas', '1', '--current-replicas', '3')).toMatchObject({code: 2, stderr: expect.stringContaining('expected replicas to be 3, was 2')})
    expect(mk8s('scale', '-h').stdout).toContain('$ mk8s scale statefulset/NAME... --replicas N [flags]')
  })
})
