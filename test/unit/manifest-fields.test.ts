import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/lib/errors.js'
import {fieldPath, walk} from '../../src/lib/manifest/fields.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {kindFields} from '../../src/lib/manifest/supported.js'
import type {ValidateMode} from '../../src/lib/manifest/fields.js'

/** Parse and return what came out, the warnings, or the error (message and hint). */
function run(yaml: string, validate?: ValidateMode) {
  const warnings: string[] = []
  try {
    const objs = parseManifests(yaml, 'f.yaml', 'default', {validate, warn: (l) => warnings.push(l)})
    return {objs, warnings}
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return {error: error.message, hint: error.hint, exitCode: error.exitCode, warnings}
  }
}

const deployment = (containerExtra: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: mk8s/busybox
${containerExtra}`

/** What `kubectl get deployment web -o yaml` prints on a real cluster, status and server fields included. */
const KUBECTL_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    deployment.kubernetes.io/revision: "1"
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"}}
  creationTimestamp: "2026-11-30T10:00:00Z"
  generation: 1
  labels: {app: web}
  managedFields:
  - apiVersion: apps/v1
    fieldsType: FieldsV1
    fieldsV1: {f:spec: {}}
    manager: kubectl-client-side-apply
    operation: Update
    time: "2026-11-30T10:00:00Z"
  name: web
  namespace: default
  resourceVersion: "4242"
  uid: 0b5c3a52-2f4e-4f7a-9d1c-6a3c1f0e9b11
spec:
  progressDeadlineSeconds: 600
  replicas: 2
  revisionHistoryLimit: 10
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
    type: RollingUpdate
  template:
    metadata:
      creationTimestamp: null
      labels: {app: web}
    spec:
      containers:
      - command: [httpd, -f, -p, "8080"]
        image: mk8s/busybox
        imagePullPolicy: IfNotPresent
        name: app
        ports:
        - containerPort: 8080
          protocol: TCP
        resources: {}
        terminationMessagePath: /dev/termination-log
        terminationMessagePolicy: File
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      schedulerName: default-scheduler
      securityContext: {}
      terminationGracePeriodSeconds: 30
status:
  availableReplicas: 2
  observedGeneration: 1
  readyReplicas: 2
  replicas: 2
  updatedReplicas: 2
`

const KUBECTL_SERVICE = `apiVersion: v1
kind: Service
metadata:
  creationTimestamp: "2026-11-30T10:00:00Z"
  name: web
  namespace: default
  resourceVersion: "4250"
  uid: 6d1f2c1e-7a0b-4c55-8c11-2b7f6e0d4a21
spec:
  clusterIP: 10.96.0.50
  clusterIPs: [10.96.0.50]
  internalTrafficPolicy: Cluster
  ipFamilies: [IPv4]
  ipFamilyPolicy: SingleStack
  ports:
  - port: 80
    protocol: TCP
    targetPort: 8080
  selector: {app: web}
  sessionAffinity: None
  type: ClusterIP
status:
  loadBalancer: {}
`

describe('manifests: nothing silently dropped', () => {
  it('refuses an unsupported field with exit 2, its path, why, and what to do', () => {
    expect(run(deployment('        livenessProbe: {httpGet: {path: /, port: 80}}\n'))).toEqual({
      error: 'Deployment default/web (f.yaml document 1): spec.template.spec.containers[0].livenessProbe: mk8s runs no liveness probes; restartPolicy restarts a container that exits',
      hint: 'remove it, or apply with --validate=warn; nothing was applied',
      exitCode: 2,
      warnings: [],
    })
  })

  it('names a misspelt field and the one meant', () => {
    const r = run('apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selectr: {app: web}\n  ports: [{port: 80}]\n')
    expect(r).toMatchObject({error: 'Service default/web (f.yaml document 1): spec.selectr: unknown field', hint: 'did you mean selector?; nothing was applied', exitCode: 2})
  })

  it('lists every such field of a document at once', () => {
    const r = run(deployment('        env:\n        - name: A\n          valueFrom: {resourceFieldRef: {resource: limits.cpu}}\n        ports: [{containerPort: 80, hostPort: 8080, hostIP: 127.0.0.1}]\n'))
    expect(r.error).toBe(
      'Deployment default/web (f.yaml document 1): 2 fields mk8s would not act on:\n' +
        '  spec.template.spec.containers[0].env[0].valueFrom.resourceFieldRef: mk8s exposes no resource fields (give the value literally)\n' +
        '  spec.template.spec.containers[0].ports[0].hostIP: mk8s binds a hostPort on every address of the node (remove hostIP)',
    )
    expect(r.hint).toBe('fix these fields, or apply with --validate=warn to apply the rest without them; nothing was applied')
  })

  it('--validate=warn applies the rest and warns once per field; --validate=ignore is silent', () => {
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  loadBalancerClass: example.com/lb\n  ports: [{port: 80, appProtocol: http}]\n'
    const warned = run(yaml, 'warn')
    expect(warned.warnings).toEqual([
      'Service default/web (f.yaml document 1): spec.loadBalancerClass: mk8s announces every LoadBalancer itself; left out',
      'Service default/web (f.yaml document 1): spec.ports[0].appProtocol: mk8s keeps no application protocol; left out',
    ])
    expect(warned.objs?.[0].value).toMatchObject({name: 'web', selector: {app: 'web'}, ports: [{protocol: 'TCP', port: 80, targetPort: 80}]})
    const ignored = run(yaml, 'ignore')
    expect(ignored.warnings).toEqual([])
    expect(ignored.objs?.[0].value).toEqual(warned.objs?.[0].value)
  })

  it('a value other than the default of a field mk8s takes only at its default is refused', () => {
    expect(run(deployment('        terminationMessagePolicy: FallbackToLogsOnError\n')).error).toBe(
      'Deployment default/web (f.yaml document 1): spec.template.spec.containers[0].terminationMessagePolicy: mk8s takes only "File" here (what kubectl writes; mk8s keeps no termination message)',
    )
  })

  it('an Ingress of another class is kept (and reported by apply and ingress get, not served)', () => {
    const yaml = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: t}\nspec:\n  ingressClassName: traefik\n  defaultBackend: {service: {name: web, port: {number: 80}}}\n'
    expect(run(yaml).objs?.[0].value).toMatchObject({spec: {ingressClassName: 'traefik'}})
  })

  it("applies what kubectl get -o yaml prints: status, server metadata and kubectl's defaults", () => {
    const r = run(`${KUBECTL_DEPLOYMENT}---\n${KUBECTL_SERVICE}`)
    expect(r.error).toBeUndefined()
    expect(r.objs?.map((o) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual(['Deployment default/web', 'Service default/web'])
    expect(r.objs?.[1].value).toMatchObject({clusterIP: '10.96.0.50', selector: {app: 'web'}})
  })

  it('clusterIPs must be the one clusterIP', () => {
    expect(run(KUBECTL_SERVICE.replace('clusterIPs: [10.96.0.50]', 'clusterIPs: [10.96.0.50, "fd00::50"]')).error).toBe(
      'Service default/web (f.yaml document 1): spec.clusterIPs: mk8s gives a service one IPv4 ClusterIP',
    )
  })

  it('one path notation: fields, list items, and keys that are not identifiers', () => {
    expect(fieldPath(['spec', 'template', 'spec', 'containers', 0, 'readinessProbe'])).toBe('spec.template.spec.containers[0].readinessProbe')
    expect(fieldPath(['data', 'tls.crt'])).toBe('data["tls.crt"]')
    expect(fieldPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels["app.kubernetes.io/name"]')
    expect(fieldPath([0, 'kind'], 'items')).toBe('items[0].kind')
  })

  it('every kind apply knows has a tree, and the tree walks a whole document', () => {
    expect(Object.keys(kindFields).sort()).toEqual(['ConfigMap', 'Deployment', 'EndpointSlice', 'Endpoints', 'Ingress', 'IngressClass', 'Namespace', 'NetworkPolicy', 'Pod', 'Secret', 'Service', 'StatefulSet'])
    expect(walk(kindFields.Pod, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'a', finalizers: ['x']}, spec: {containers: [{name: 'c', image: 'i', tty: true}], initContainers: []}}).map((i) => fieldPath(i.path))).toEqual([
      'metadata.finalizers',
      'spec.containers[0].tty',
      'spec.initContainers',
    ])
  })

  it('delete -f reads a file with fields apply would refuse (they do not name other objects)', () => {
    expect(run(deployment('        livenessProbe: {exec: {command: [true]}}\n'), 'ignore').objs?.map((o) => o.name)).toEqual(['web'])
  })
})
