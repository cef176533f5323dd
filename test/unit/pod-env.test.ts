import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/lib/errors.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {containerEnv, expandRefs} from '../../src/lib/pod/env.js'
import {parsePodSpec} from '../../src/lib/pod/spec.js'
import type {PodRecord} from '../../src/lib/state/schema.js'
import {sampleState} from './fixtures.js'

const T = '2026-01-01T00:00:00.000Z'

function setup(container: Record<string, unknown>) {
  const s = sampleState()
  s.configMaps['default/cfg'] = {namespace: 'default', name: 'cfg', uid: 'c', labels: {}, data: {mode: 'fast', 'log.level': 'debug', GREETING: 'hi'}, createdAt: T}
  s.secrets['default/tok'] = {namespace: 'default', name: 'tok', uid: 's', type: 'Opaque', labels: {}, data: {token: Buffer.from('s3cret').toString('base64')}, createdAt: T}
  const spec = parsePodSpec({containers: [{name: 'app', image: 'mk8s/busybox', ...container}]}, 'pod p')
  const pod: PodRecord = {namespace: 'default', name: 'web-1', uid: 'uid-1', node: 'node2', ip: '10.244.2.9', network: 'pod', labels: {}, spec, phase: 'Pending', containers: [], createdAt: T}
  return {s, pod, c: spec.containers[0]}
}

describe('a container environment, as kubelet makes it', () => {
  it('envFrom first (with its prefix), then env in order: literals, ConfigMap and Secret keys, pod fields; a later name wins', () => {
    const {s, pod, c} = setup({
      envFrom: [{configMapRef: {name: 'cfg'}, prefix: 'CFG_'}],
      env: [
        {name: 'MODE', valueFrom: {configMapKeyRef: {name: 'cfg', key: 'mode'}}},
        {name: 'TOKEN', valueFrom: {secretKeyRef: {name: 'tok', key: 'token'}}},
        {name: 'POD', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}},
        {name: 'NS', valueFrom: {fieldRef: {fieldPath: 'metadata.namespace'}}},
        {name: 'POD_IP', valueFrom: {fieldRef: {fieldPath: 'status.podIP'}}},
        {name: 'NODE', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}},
        {name: 'HOST_IP', valueFrom: {fieldRef: {fieldPath: 'status.hostIP'}}},
        {name: 'URL', value: 'http://$(POD_IP):80/$(MISSING)/$$(POD)'},
        {name: 'CFG_mode', value: 'slow'},
      ],
    })
    expect(containerEnv(s, pod, c)).toEqual([
      'CFG_mode=slow', 'CFG_log.level=debug', 'CFG_GREETING=hi',
      'MODE=fast', 'TOKEN=s3cret', 'POD=web-1', 'NS=default', 'POD_IP=10.244.2.9', 'NODE=node2', 'HOST_IP=192.168.56.12',
      'URL=http://10.244.2.9:80/$(MISSING)/$(POD)',
    ])
  })

  it('a missing ConfigMap or key is exit 2 unless optional', () => {
    const missing = setup({env: [{name: 'A', valueFrom: {configMapKeyRef: {name: 'nope', key: 'a'}}}]})
    expect(() => containerEnv(missing.s, missing.pod, missing.c)).toThrow(InputError)
    expect(() => containerEnv(missing.s, missing.pod, missing.c)).toThrow('pod default/web-1 container app: ConfigMap "nope" not found in namespace default')
    const key = setup({env: [{name: 'A', valueFrom: {configMapKeyRef: {name: 'cfg', key: 'nope'}}}]})
    expect(() => containerEnv(key.s, key.pod, key.c)).toThrow('pod default/web-1 container app: env A: ConfigMap "cfg" has no key "nope"')
    const optional = setup({env: [{name: 'A', valueFrom: {configMapKeyRef: {name: 'nope', key: 'a', optional: true}}}], envFrom: [{secretRef: {name: 'gone', optional: true}}]})
    expect(containerEnv(optional.s, optional.pod, optional.c)).toEqual([])
  })

  it('the spec refuses what Kubernetes refuses: two sources in one valueFrom, an unknown fieldPath', () => {
    expect(() => setup({env: [{name: 'A', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}, configMapKeyRef: {name: 'cfg', key: 'a'}}}]})).toThrow(
      'invalid pod spec in pod p: spec.containers[0].env[0].valueFrom: give exactly one of configMapKeyRef, secretKeyRef and fieldRef',
    )
    expect(() => setup({env: [{name: 'A', valueFrom: {fieldRef: {fieldPath: 'metadata.labels'}}}]})).toThrow('spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: must be one of metadata.name, metadata.namespace, metadata.uid, spec.nodeName, status.podIP, status.hostIP')
  })

  it('$(VAR) expansion', () => {
    expect(expandRefs('$(A)-$(B)-$$(A)-$', new Map([['A', '1']]))).toBe('1-$(B)-$(A)-$')
  })

  it('a ConfigMap applies with string data; a number is refused naming the key', () => {
    const [p] = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {mode: fast}\n', 'f', 'default')
    expect(p.value).toEqual({namespace: 'default', name: 'cfg', labels: {}, data: {mode: 'fast'}})
    expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {port: 80}\n', 'f', 'default')).toThrow('ConfigMap default/cfg (f document 1): data["port"] must be a string')
  })
})
