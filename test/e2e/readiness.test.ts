import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TestCluster} from './helpers.js'

/**
 * readinessProbe in the lab: a pod is an endpoint only once its probe passes. mk8s probes when it
 * starts a pod (apply waits, --wait-ready-timeout) and when doctor runs (--fix marks pods ready or
 * not ready); nothing watches pods in between, so these tests change what a probe sees by hand
 * and then run doctor.
 */

/** Two replicas; only the one on node1 serves /healthz, and only after 2 s (the first probes fail). */
const web = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: mk8s/busybox
        command: [sh, -c, 'mkdir -p /www && echo "$POD_NAME" > /www/index.html && if [ "$NODE" = node1 ]; then (sleep 2; echo ok > /www/healthz) & fi; exec httpd -f -p 80 -h /www']
        env:
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
        ports: [{name: http, containerPort: 80}]
        readinessProbe:
          httpGet: {path: /healthz, port: http, httpHeaders: [{name: X-Probe, value: mk8s}]}
          periodSeconds: 1
          failureThreshold: 2
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
`

const probePod = (name: string, probe: string, cmd = "[httpd, -f, -p, '8080']") => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: probes}}
spec:
  containers:
  - name: main
    image: mk8s/busybox
    command: ${cmd}
    readinessProbe: {${probe}, periodSeconds: 1}
`

const probes = [
  probePod('tcp-ok', 'tcpSocket: {port: 8080}'),
  probePod('tcp-bad', 'tcpSocket: {port: 9090}'),
  probePod('exec-ok', 'exec: {command: [test, -e, /bin/sh]}', '[sleep, "3600"]'),
  probePod('exec-bad', 'exec: {command: [test, -e, /nope]}', '[sleep, "3600"]'),
].join('---\n')

describe('readinessProbe', () => {
  const c = new TestCluster()
  let ready = ''
  let notReady = ''
  let clusterIP = ''
  const pod = (name: string) => c.json(['get', 'pod', name])
  const condition = (p: any, type: string) => p.status.conditions.find((x: any) => x.type === type)?.status
  /** n GETs of the Service's ClusterIP from the client pod (node3): the bodies. */
  const viaService = async (n: number) =>
    (await c.ok(['pod', 'exec', 'client', '--', 'sh', '-c', 'for i in $(seq "$1"); do timeout 3 wget -qO- "http://$2/" || echo failed; done', 'sh', String(n), clusterIP])).split('\n').map((l) => l.trim()).filter(Boolean)

  beforeAll(async () => {
    await c.up()
    // the client first, on node3: the replicas then go to node1 and node2 (the fewest pods)
    await c.ok(['pod', 'run', 'client', '--image', 'mk8s/busybox', '--node', 'node3', '--', 'sleep', '3600'])
  })
  afterAll(() => c.down())

  it('apply probes the replicas until the probe passes or the wait ends; only the ready one is an endpoint', async () => {
    const out = await c.ok(['apply', '-f', '-', '--wait-ready-timeout', '8s'], {input: web})
    expect(out).toMatch(/deployment\.apps\/web created \(1 of 2 new pod\(s\) not ready: container web: http-get http:\/\/10\.244\.\d+\.\d+:80\/healthz: HTTP 404;/)
    const pods = (await c.json(['get', 'pods', '-l', 'app=web'])).items
    const byNode = Object.fromEntries(pods.map((p: any) => [p.spec.nodeName, p]))
    expect(Object.keys(byNode).sort()).toEqual(['node1', 'node2'])
    ready = byNode.node1.metadata.name
    notReady = byNode.node2.metadata.name
    expect([condition(byNode.node1, 'Ready'), condition(byNode.node1, 'ContainersReady'), byNode.node1.status.containerStatuses[0].ready]).toEqual(['True', 'True', true])
    expect([condition(byNode.node2, 'Ready'), condition(byNode.node2, 'ContainersReady'), byNode.node2.status.containerStatuses[0].ready, byNode.node2.status.phase]).toEqual(['False', 'False', false, 'Running'])
    // kubectl's table: READY 0/1 while STATUS is Running
    const table = await c.ok(['get', 'pods', '-l', 'app=web', '--no-headers'])
    expect(table).toMatch(new RegExp(`^${ready}\\s+1/1\\s+Running`, 'm'))
    expect(table).toMatch(new RegExp(`^${notReady}\\s+0/1\\s+Running`, 'm'))
    // the endpoints and the Service's rules hold the ready pod only
    const eps = await c.json(['get', 'endpoints', 'web'])
    expect(eps.subsets[0].addresses.map((a: any) => a.targetRef.name)).toEqual([ready])
    clusterIP = (await c.json(['get', 'svc', 'web'])).spec.clusterIP
    expect(new Set(await viaService(20))).toEqual(new Set([ready]))
    // kubectl's readiness verbs
    expect((await c.run(['rollout', 'status', 'deployment/web', '--watch=false'])).stdout).toContain('1 of 2 updated replicas are available')
    expect((await c.run(['wait', '--for=condition=Ready', `pod/${ready}`, '--timeout', '5s'])).code).toBe(0)
    expect((await c.run(['wait', '--for=condition=Ready', `pod/${notReady}`, '--timeout', '2s'])).code).toBe(1)
  })

  it('doctor re-runs the probes: --fix marks a pod ready once its probe passes, and not ready once it fails', async () => {
    await c.ok(['pod', 'exec', notReady, '--', 'sh', '-c', 'echo ok > /www/healthz'])
    // (each doctor reads every node: --fix alone, whose report names what it found and fixed)
    const passing = JSON.parse(await c.ok(['doctor', '--fix', '-o', 'json']))
    expect(passing.fixed).toContain(`pod-probe-passing node2 pod/default/${notReady}`)
    expect(passing.left).toEqual([])
    expect(condition(await pod(notReady), 'Ready')).toBe('True')
    expect(new Set(await viaService(30))).toEqual(new Set([ready, notReady]))
    expect((await c.run(['rollout', 'status', 'deployment/web', '--watch=false'])).stdout).toContain('successfully rolled out')

    // the other way: its probe fails twice in a row (failureThreshold 2), doctor --fix takes it out
    await c.ok(['pod', 'exec', ready, '--', 'rm', '/www/healthz'])
    // fixed; what is left is the pod not ready (its probe fails), reported, and so exit 1
    const fix = await c.run(['doctor', '--fix', '-o', 'json'])
    expect(JSON.parse(fix.stdout).fixed).toContain(`pod-probe-failing node1 pod/default/${ready}`)
    expect(JSON.parse(fix.stdout).left).toContain(`pod-not-ready node1 pod/default/${ready}`)
    const p = await pod(ready)
    expect([condition(p, 'Ready'), p.status.phase]).toEqual(['False', 'Running'])
    expect(new Set(await viaService(20))).toEqual(new Set([notReady]))
  })

  it('tcpSocket and exec probes, passing and failing, all probed at once', async () => {
    const out = await c.ok(['apply', '-f', '-', '--wait-ready-timeout', '5s'], {input: probes})
    expect(out).toContain('pod/tcp-ok created\n')
    expect(out).toMatch(/pod\/tcp-bad created \(not ready: container main: tcp-socket 10\.244\.\d+\.\d+:9090: .*(refused|exit code)/)
    expect(out).toContain('pod/exec-ok created\n')
    expect(out).toMatch(/pod\/exec-bad created \(not ready: container main: exec "test -e \/nope": exit code 1/)
    const ready = async (name: string) => condition(await pod(name), 'Ready')
    expect([await ready('tcp-ok'), await ready('tcp-bad'), await ready('exec-ok'), await ready('exec-bad')]).toEqual(['True', 'False', 'True', 'False'])
    // the two failing pods were probed side by side until the same deadline, not one after the other
    const lastProbe = async (name: string) => Date.parse((await pod(name)).status.conditions.find((x: any) => x.type === 'Ready').lastProbeTime)
    expect(Math.abs((await lastProbe('tcp-bad')) - (await lastProbe('exec-bad')))).toBeLessThan(4500)
    await c.ok(['apply', '-f', '-'], {input: 'apiVersion: v1\nkind: Service\nmetadata: {name: probes}\nspec:\n  selector: {app: probes}\n  ports: [{port: 8080}]\n'})
    const eps = await c.json(['get', 'endpoints', 'probes'])
    expect(eps.subsets[0].addresses.map((a: any) => a.targetRef.name).sort()).toEqual(['exec-ok', 'tcp-ok'])
  })

  it('a pod left not ready (no wait, as a kill while probing leaves it) is probed again by the same apply', async () => {
    const later = probePod('later', 'tcpSocket: {port: 8080}')
    expect(await c.ok(['apply', '-f', '-', '--wait-ready-timeout', '0'], {input: later})).toBe('pod/later created (not ready; no endpoint until mk8s doctor --fix finds its readinessProbe passing)')
    expect(condition(await pod('later'), 'Ready')).toBe('False')
    expect(await c.ok(['apply', '-f', '-'], {input: later})).toBe('pod/later unchanged')
    expect(condition(await pod('later'), 'Ready')).toBe('True')
    const eps = await c.json(['get', 'endpoints', 'probes'])
    expect(eps.subsets[0].addresses.map((a: any) => a.targetRef.name).sort()).toEqual(['exec-ok', 'later', 'tcp-ok'])
  })
})
