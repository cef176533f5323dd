import {describe, expect, it} from 'vitest'
import type {Ctx} from '../../src/lib/context.js'
import {Executor} from '../../src/lib/host/executor.js'
import {renderStep, type Captured, type Step} from '../../src/lib/host/plan.js'
import {podCells} from '../../src/lib/kubectl/resources.js'
import {toV1Deployment} from '../../src/lib/kubectl/v1.js'
import {checkFields, walk} from '../../src/lib/manifest/fields.js'
import {podFields} from '../../src/lib/manifest/supported.js'
import {containerReady, podReady} from '../../src/lib/pod/model.js'
import {notReadyNote} from '../../src/lib/pod/kinds.js'
import {describeProbe, probeOutcome, probeStep, recheck, untilReady, type Clock, type ProbeResult} from '../../src/lib/pod/probe.plan.js'
import {lookAgain} from '../../src/lib/pod/readiness.js'
import {parsePodSpec, type Container} from '../../src/lib/pod/spec.js'
import {toV1Pod} from '../../src/lib/pod/v1.js'
import {renderDescribe} from '../../src/lib/pod/render.js'
import type {PodRecord} from '../../src/lib/state/schema.js'
import {endpointsOf, selectedPods} from '../../src/lib/svc/endpoints.js'
import {unprogrammed} from '../../src/lib/pipeline/drift.js'
import {fixture, pod, svc} from './svc-fixture.js'

const spec = (probe: unknown, ports: unknown[] = [{name: 'http', containerPort: 8080}]) => parsePodSpec({containers: [{name: 'web', image: 'mk8s/busybox', ports, readinessProbe: probe}]}, 'pod default/web')
const probedPod = (probe: unknown, extra: Partial<PodRecord> = {}): PodRecord => ({...pod('web', 'node1', '10.244.0.5', {app: 'web'}), spec: spec(probe), ready: false, ...extra})
const container = (p: PodRecord): Container => p.spec.containers[0]
const text = (s: Step | {error: string}) => ('error' in s ? s.error : renderStep(s))

/** A clock that only moves when slept on; `log` is when each attempt ran (ms from 0). */
function fakeClock(): Clock & {t: number} {
  const c = {t: 0, now: () => c.t, sleep: async (ms: number) => void (c.t += ms)}
  return c
}
const attempts = (results: boolean[], clock: {t: number}, log: number[]) => async (): Promise<ProbeResult> => {
  log.push(clock.t)
  const ok = results[log.length - 1] ?? results.at(-1)!
  return {ok, detail: ok ? 'passed' : 'failed'}
}

describe('readinessProbe: the spec', () => {
  it('takes Kubernetes\'s defaults, and one handler only', () => {
    expect(spec({httpGet: {port: 8080}}).containers[0].readinessProbe).toEqual({httpGet: {path: '/', port: 8080, scheme: 'HTTP'}, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3})
    expect(() => spec({httpGet: {port: 80}, tcpSocket: {port: 80}})).toThrow('spec.containers[0].readinessProbe: give exactly one of exec, httpGet and tcpSocket')
    expect(() => spec({periodSeconds: 5})).toThrow('give exactly one of exec, httpGet and tcpSocket')
    expect(() => spec({httpGet: {port: 80, scheme: 'HTTPS'}})).toThrow('spec.containers[0].readinessProbe.httpGet.scheme: mk8s probes over plain HTTP only')
    expect(() => spec({httpGet: {port: 80, path: 'no-slash'}})).toThrow('httpGet.path: must begin with / and hold no spaces')
    expect(() => spec({httpGet: {port: 80, httpHeaders: [{name: 'X', value: 'a\r\nInjected: 1'}]}})).toThrow('httpHeaders[0].value: must be one line')
    expect(() => spec({tcpSocket: {port: 'metrics'}})).toThrow('container "web" readinessProbe names port "metrics", which the container does not declare')
  })

  it('the field tree refuses what mk8s does not do with a probe, by its path', () => {
    const doc = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web'}, spec: {containers: [{name: 'web', image: 'mk8s/busybox', readinessProbe: {httpGet: {port: 80, host: 'example.com'}, terminationGracePeriodSeconds: 5}, livenessProbe: {tcpSocket: {port: 80}}}]}}
    expect(walk(podFields, doc).map((i) => `${i.path.join('.')}: ${i.why}`)).toEqual([
      "spec.containers.0.readinessProbe.httpGet.host: mk8s probes the pod's own address",
      "spec.containers.0.readinessProbe.terminationGracePeriodSeconds: mk8s removes a pod's containers at once",
      'spec.containers.0.livenessProbe: mk8s runs no liveness probes; restartPolicy restarts a container that exits',
    ])
    const fine = {...doc, spec: {containers: [{name: 'web', image: 'mk8s/busybox', readinessProbe: {exec: {command: ['true']}, initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 3, successThreshold: 1, failureThreshold: 4}}]}}
    expect(checkFields(podFields, fine, 'pod', 'strict', () => {})).toBe(fine)
  })
})

describe('readinessProbe: the commands, from the pod\'s node', () => {
  it('exec: docker exec in the container, under timeout (with 2 s for docker exec itself)', () => {
    expect(text(probeStep(probedPod({exec: {command: ['cat', '/tmp/ready file']}}), container(probedPod({exec: {command: ['cat', '/tmp/ready file']}}))))).toBe("timeout -k 1 3 docker exec k8s_web_web_default cat '/tmp/ready file'")
  })

  it('httpGet: a GET to podIP:port (a named port resolved) with kubelet\'s headers and the probe\'s own, quoted', () => {
    const p = probedPod({httpGet: {path: '/healthz?x=1', port: 'http', httpHeaders: [{name: 'X-Probe', value: "it's me"}, {name: 'User-Agent', value: 'mine'}]}, timeoutSeconds: 2})
    expect(text(probeStep(p, container(p)))).toBe(
      `timeout -k 1 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 2
p=$3; shift 3
{ printf '"'"'GET %s HTTP/1.0\\r\\n'"'"' "$p"; for h in "$@"; do printf '"'"'%s\\r\\n'"'"' "$h"; done; printf '"'"'\\r\\n'"'"'; } >&3
IFS= read -r l <&3; printf '"'"'%s\\n'"'"' "$l"' bash 10.244.0.5 8080 '/healthz?x=1' 'Host: 10.244.0.5:8080' 'Accept: */*' 'X-Probe: it'"'"'s me' 'User-Agent: mine' 'Connection: close'`,
    )
  })

  it('tcpSocket: a connection to podIP:port; a pod without an address cannot be probed', () => {
    const p = probedPod({tcpSocket: {port: 8080}})
    expect(text(probeStep(p, container(p)))).toBe(`timeout -k 1 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' bash 10.244.0.5 8080`)
    expect(text(probeStep({...p, ip: undefined}, container(p)))).toBe('the pod has no address to probe (network none)')
  })

  it('judges an attempt by its exit code, or its HTTP status (200-399 pass)', () => {
    const http = probedPod({httpGet: {path: '/healthz', port: 8080}})
    const c = container(http)
    const got = (output: string, code = 0): Captured => ({output, code})
    expect(probeOutcome(http, c, got('HTTP/1.0 200 OK\r'))).toEqual({ok: true, detail: 'http-get http://10.244.0.5:8080/healthz: HTTP 200'})
    expect(probeOutcome(http, c, got('HTTP/1.1 302 Found\r'))).toEqual({ok: true, detail: 'http-get http://10.244.0.5:8080/healthz: HTTP 302'})
    expect(probeOutcome(http, c, got('HTTP/1.0 404 Not Found\r'))).toEqual({ok: false, detail: 'http-get http://10.244.0.5:8080/healthz: HTTP 404'})
    expect(probeOutcome(http, c, got('bash: connect: Connection refused\nbash: line 1: /dev/tcp/10.244.0.5/8080: Connection refused', 2))).toEqual({ok: false, detail: 'http-get http://10.244.0.5:8080/healthz: bash: connect: Connection refused'})
    expect(probeOutcome(http, c, got('', 124))).toEqual({ok: false, detail: 'http-get http://10.244.0.5:8080/healthz: timed out after 1s'})
    const exec = probedPod({exec: {command: ['test', '-e', '/ready']}})
    expect(probeOutcome(exec, container(exec), got('', 1))).toEqual({ok: false, detail: 'exec "test -e /ready": exit code 1'})
    expect(probeOutcome(exec, container(exec), got('', 0))).toEqual({ok: true, detail: 'exec "test -e /ready": exit code 0'})
    const tcp = probedPod({tcpSocket: {port: 8080}})
    expect(probeOutcome(tcp, container(tcp), got('', 0))).toEqual({ok: true, detail: 'tcp-socket 10.244.0.5:8080: connected'})
    expect(describeProbe(container(http).readinessProbe!)).toBe('http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3')
  })
})

describe('readinessProbe: the timing', () => {
  const timing = {initialDelaySeconds: 3, periodSeconds: 2, successThreshold: 2, failureThreshold: 3}

  it('at start: waits initialDelaySeconds, probes every periodSeconds, ready after successThreshold passes in a row', async () => {
    const clock = fakeClock()
    const log: number[] = []
    const v = await untilReady(timing, attempts([false, true, false, true, true], clock, log), clock, 60_000)
    expect(v).toEqual({ready: true, attempts: 5, last: {ok: true, detail: 'passed'}})
    expect(log).toEqual([3000, 5000, 7000, 9000, 11000])
  })

  it('at start: gives up when the next attempt would come after the deadline; none at all when the delay is longer', async () => {
    const clock = fakeClock()
    const log: number[] = []
    expect(await untilReady(timing, attempts([false], clock, log), clock, 8000)).toMatchObject({ready: false, attempts: 3, last: {ok: false}})
    expect(log).toEqual([3000, 5000, 7000])
    const late = fakeClock()
    expect(await untilReady(timing, attempts([true], late, []), late, 2000)).toEqual({ready: false, attempts: 0})
  })

  it('at start: stops at once when asked (a signal)', async () => {
    const clock = fakeClock()
    const log: number[] = []
    expect(await untilReady(timing, attempts([false], clock, log), clock, 60_000, () => log.length >= 2)).toMatchObject({ready: false, attempts: 2})
  })

  it('doctor: a ready pod is not ready after failureThreshold failures in a row; one pass ends the look', async () => {
    const clock = fakeClock()
    const log: number[] = []
    expect(await recheck(timing, true, attempts([false, false, false], clock, log), clock)).toMatchObject({ready: false, attempts: 3})
    expect(log).toEqual([0, 2000, 4000])
    const c2 = fakeClock()
    expect(await recheck(timing, true, attempts([false, true], c2, []), c2)).toMatchObject({ready: true, attempts: 2})
  })

  it('doctor: a pod not ready is ready after successThreshold passes in a row; one failure ends the look', async () => {
    const clock = fakeClock()
    expect(await recheck(timing, false, attempts([true, true], clock, []), clock)).toMatchObject({ready: true, attempts: 2})
    const c2 = fakeClock()
    expect(await recheck(timing, false, attempts([false], c2, []), c2)).toMatchObject({ready: false, attempts: 1})
  })
})

describe('readiness: endpoints and kubectl\'s shapes', () => {
  const ready = pod('web-a', 'node1', '10.244.0.2', {app: 'web'})
  const waiting = {...pod('web-b', 'node2', '10.244.1.2', {app: 'web'}), spec: spec({httpGet: {port: 80}}, [{containerPort: 80}]), containers: [{name: 'web', image: 'mk8s/busybox'}], ready: false, probe: {ok: false, at: '2026-01-01T00:00:00.000Z', detail: 'container web: http-get http://10.244.1.2:80/: HTTP 404'}}
  const state = fixture([ready, waiting], [svc('web', '10.96.0.20')])

  it('a pod not ready is Running but no endpoint; one that passed is', () => {
    expect([podReady(ready), podReady(waiting)]).toEqual([true, false])
    expect(selectedPods(state, state.services['default/web']).map((p) => p.name)).toEqual(['web-a'])
    expect(endpointsOf(state, state.services['default/web'])[0].endpoints.map((e) => e.ip)).toEqual(['10.244.0.2'])
    const passed = fixture([ready, {...waiting, ready: true}], [svc('web', '10.96.0.20')])
    expect(endpointsOf(passed, passed.services['default/web'])[0].endpoints.map((e) => e.ip)).toEqual(['10.244.0.2', '10.244.1.2'])
  })

  it('the hosts care about a pod\'s readiness (its endpoints), not about what its last probe said', () => {
    const last = {state: structuredClone(state), stale: []}
    const probed = {...state, pods: {...state.pods, 'default/web-b': {...waiting, probe: {ok: false, at: '2026-01-01T00:01:00.000Z', detail: 'HTTP 503'}}}}
    expect(unprogrammed(probed, last)).toEqual([])
    const passed = {...state, pods: {...state.pods, 'default/web-b': {...waiting, ready: true}}}
    expect(unprogrammed(passed, last)).toEqual(['pod default/web-b: changed in the state, not yet on the nodes'])
  })

  it('get pods: READY 0/1 with STATUS Running; -o json: conditions and containerStatuses[].ready', () => {
    const live = {pod: waiting, containers: [{name: 'web', id: 'c1', image: 'mk8s/busybox', running: true, state: 'running', restartCount: 0}]}
    expect(podCells(live, Date.parse('2026-01-01T00:05:00.000Z')).cells.slice(0, 2)).toEqual(['0/1', 'Running'])
    expect(podCells({...live, pod: {...waiting, ready: true}}).cells.slice(0, 2)).toEqual(['1/1', 'Running'])
    const v1 = toV1Pod(waiting, live)
    expect(v1.status.phase).toBe('Running')
    expect(v1.status.containerStatuses.map((c) => c.ready)).toEqual([false])
    expect(v1.status.conditions).toEqual([
      {type: 'Initialized', status: 'True'},
      {type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'readinessProbe: container web: http-get http://10.244.1.2:80/: HTTP 404', lastProbeTime: '2026-01-01T00:00:00.000Z'},
      {type: 'ContainersReady', status: 'False'},
      {type: 'PodScheduled', status: 'True'},
    ])
    const described = renderDescribe({...live, logs: {}}).split('\n')
    expect(described).toContain('Ready:        False (probed 2026-01-01T00:00:00.000Z: container web: http-get http://10.244.1.2:80/: HTTP 404)')
    expect(described).toContain('    Readiness:     http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3 (probed by mk8s when the pod starts and by mk8s doctor, not continuously)')
    expect(containerReady(waiting, 'web', true)).toBe(false)
    expect(containerReady(ready, 'c', true)).toBe(true)
  })

  it('a Deployment counts its ready replicas; apply says which pods it left not ready', () => {
    const d = {namespace: 'default', name: 'web', uid: 'u', replicas: 2, selector: {app: 'web'}, labels: {}, template: {}, createdAt: '2026-01-01T00:00:00.000Z'}
    const s = fixture([{...ready, owner: 'web'}, {...waiting, owner: 'web'}], [])
    expect(toV1Deployment(s, d).status).toMatchObject({replicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1})
    expect(notReadyNote([ready, waiting])).toBe(' (1 of 2 new pod(s) not ready: container web: http-get http://10.244.1.2:80/: HTTP 404; no endpoint until mk8s doctor --fix finds its readinessProbe passing)')
    expect(notReadyNote([waiting])).toBe(' (not ready: container web: http-get http://10.244.1.2:80/: HTTP 404; no endpoint until mk8s doctor --fix finds its readinessProbe passing)')
    expect(notReadyNote([ready])).toBe('')
  })
})

describe('readiness: doctor\'s look again', () => {
  it('probes every Running pod with a readinessProbe on its node, all at once, and says how each should stand', async () => {
    const sent: string[] = []
    const answers: Record<string, Captured> = {'10.244.0.5': {output: 'HTTP/1.0 200 OK\r', code: 0}, '10.244.0.6': {output: 'HTTP/1.0 503 Service Unavailable\r', code: 0}}
    const exec = new Executor(false, () => {}, async (host, plan) => {
      const line = renderStep(plan[0])
      const ip = Object.keys(answers).find((a) => line.includes(` ${a} `))!
      sent.push(`${host.name} ${ip}`)
      return new Map([[0, answers[ip]]])
    })
    const probe = {httpGet: {path: '/', port: 8080}, periodSeconds: 1, failureThreshold: 2}
    const notReady = probedPod(probe)
    const failing = {...probedPod(probe, {ready: true}), name: 'web2', uid: 'uid-web2', ip: '10.244.0.6'}
    const plain = pod('plain', 'node1', '10.244.0.7', {})
    const gone = {...probedPod(probe), name: 'gone', uid: 'uid-gone', ip: '10.244.0.8'}
    const state = fixture([notReady, failing, plain, gone], [])
    const ctx = {exec, dryRun: false} as unknown as Ctx
    const clock = fakeClock()
    const looks = await lookAgain(ctx, state, new Set(['uid-gone']), clock)
    expect(looks.map((l) => `${l.pod.name} ${l.wasReady} -> ${l.ready}: ${l.detail}`)).toEqual([
      'web false -> true: container web: http-get http://10.244.0.5:8080/: HTTP 200',
      'web2 true -> false: container web: http-get http://10.244.0.6:8080/: HTTP 503',
    ])
    // the failing one twice (failureThreshold), a period apart; the pod without a probe and the skipped one not at all
    expect(sent.sort()).toEqual(['node1 10.244.0.5', 'node1 10.244.0.6', 'node1 10.244.0.6'])
    expect(clock.t).toBe(1000)
  })
})
