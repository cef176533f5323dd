import YAML from 'yaml'
import {describe, expect, it} from 'vitest'
import {exportManifests} from '../../src/lib/export/manifests.js'
import {toYamlDocuments} from '../../src/lib/export/yaml.js'
import {sampleState} from './fixtures.js'

describe('export', () => {
  it('keeps services, deployments and lone pods, without what only this cluster knows', () => {
    const s = sampleState()
    s.services['default/db'] = {...s.services['default/web'], name: 'db', clusterIP: 'None', selector: {app: 'db'}, sessionAffinity: 'ClientIP'}
    s.services['default/lb'] = {...s.services['default/web'], name: 'lb', type: 'LoadBalancer', loadBalancerIP: '192.168.56.240', announcedBy: 'node1', externalTrafficPolicy: 'Local'}
    expect(exportManifests(s, 'default')).toEqual([
      {apiVersion: 'v1', kind: 'Service', metadata: {name: 'db', namespace: 'default'}, spec: {type: 'ClusterIP', clusterIP: 'None', selector: {app: 'db'}, ports: [{protocol: 'TCP', port: 80, targetPort: 8080}], sessionAffinity: 'ClientIP'}},
      {apiVersion: 'v1', kind: 'Service', metadata: {name: 'lb', namespace: 'default'}, spec: {type: 'LoadBalancer', selector: {app: 'web'}, ports: [{protocol: 'TCP', port: 80, targetPort: 8080}], externalTrafficPolicy: 'Local'}},
      {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web', namespace: 'default'}, spec: {type: 'ClusterIP', selector: {app: 'web'}, ports: [{protocol: 'TCP', port: 80, targetPort: 8080}]}},
      {
        apiVersion: 'v1', kind: 'Service', metadata: {name: 'web-np', namespace: 'default', labels: {tier: 'front'}},
        spec: {type: 'NodePort', selector: {app: 'web'}, ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080}]},
      },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', namespace: 'default', labels: {app: 'web'}},
        spec: {
          replicas: 2,
          selector: {matchLabels: {app: 'web'}},
          template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'app', image: 'mk8s/busybox', command: ['httpd', '-f', '-p', '8080'], ports: [{containerPort: 8080}]}]}},
        },
      },
      {
        apiVersion: 'v1', kind: 'Pod', metadata: {name: 'client', namespace: 'default', labels: {app: 'client'}},
        spec: {containers: [{name: 'sh', image: 'mk8s/busybox', command: ['sleep', '3600'], ports: [], env: []}], restartPolicy: 'Always', hostNetwork: false},
      },
      {
        apiVersion: 'v1', kind: 'Pod', metadata: {name: 'late', namespace: 'default', labels: {app: 'web'}},
        spec: {containers: [{name: 'app', image: 'mk8s/busybox', command: ['httpd', '-f', '-p', '8080'], ports: [{containerPort: 8080, protocol: 'TCP'}], env: []}], restartPolicy: 'Always', hostNetwork: false},
      },
    ])
  })

  it('puts a Namespace first for namespaces a cluster does not have, and filters by namespace', () => {
    const s = sampleState()
    s.services['shop/cart'] = {...s.services['default/web'], namespace: 'shop', name: 'cart'}
    expect(exportManifests(s).slice(0, 2).map((m) => `${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`)).toEqual(['Namespace /shop', 'Service default/web'])
    expect(exportManifests(s, 'shop').map((m) => `${m.kind} ${m.metadata.name}`)).toEqual(['Namespace shop', 'Service cart'])
    expect(exportManifests(s, 'none')).toEqual([])
  })

  it('writes multi-document YAML that reads back as the same objects', () => {
    const items = exportManifests(sampleState())
    const text = toYamlDocuments(items)
    expect(text.startsWith('---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: default\n')).toBe(true)
    expect(YAML.parseAllDocuments(text).map((d) => d.toJSON())).toEqual(items)
    expect(text).not.toMatch(/uid|creationTimestamp|clusterIP: 10\.|nodeName|status|podIP/)
  })
})
