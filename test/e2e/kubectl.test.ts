import {execa} from 'execa'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {stringify} from 'yaml'
import {WHOAMI_SCRIPT} from '../../src/lib/lab/workloads.js'
import {CLI, TestCluster} from './helpers.js'

/**
 * A shell script written for kubectl runs unchanged against mk8s (`kubectl` is a function calling
 * mk8s): apply -f DIR, wait, get -o name/jsonpath, -l 'app in (...)', scale, label (a service
 * re-selects its endpoints, checked with real traffic from a pod), rollout restart and status,
 * logs -l. One cluster of two nodes, few pods.
 */
const server = (name: string) => ({name, image: 'mk8s/busybox', command: ['sh', '-c', `echo "started $(hostname)"; ${WHOAMI_SCRIPT}`, 'whoami', '80'], ports: [{containerPort: 80}]})

const SCRIPT = String.raw`set -eu
kubectl() { node "$MK8S_CLI" "$@"; }
kubectl apply -f "$MANIFESTS"
kubectl wait --for=condition=Ready pod/client pod/api --timeout=120s
kubectl wait --for=condition=Available deployment/web --timeout=120s
echo "selected: $(kubectl get pods -l 'app in (web,api)' -o name | wc -l)"
echo "api: $(kubectl get pods -l 'app in (api)' -o name)"
kubectl scale deployment/web --replicas=3
kubectl wait --for=condition=Available deployment/web --timeout=120s
echo "ready: $(kubectl get deployment web -o jsonpath='{.status.readyReplicas}')"
WEB=$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')
kubectl exec client -- wget -qO- "http://$WEB/cgi-bin/whoami" | sed 's/^host=web-[a-z0-9]*-[a-z0-9]* .*/web answered/'
FRONT=$(kubectl get service front -o jsonpath='{.spec.clusterIP}')
echo "front endpoints before: $(kubectl get endpoints front -o jsonpath='{.subsets[*].addresses[*].ip}')"
kubectl label pod api tier=front
echo "front endpoints after: $(kubectl get endpoints front -o jsonpath='{.subsets[*].addresses[*].targetRef.name}')"
kubectl exec client -- wget -qO- "http://$FRONT/cgi-bin/whoami" | cut -d' ' -f1
OLD=$(kubectl get pods -l app=web -o jsonpath='{.items[*].metadata.name}')
kubectl rollout restart deployment/web
kubectl rollout status deployment/web --timeout=120s
NEW=$(kubectl get pods -l app=web -o jsonpath='{.items[*].metadata.name}')
for p in $OLD; do case " $NEW " in *" $p "*) echo "not restarted: $p";; esac; done
echo "pods after restart: $(echo $NEW | wc -w)"
kubectl logs -l app=web --tail=1 | sed 's/started web-[a-z0-9]*-[a-z0-9]*$/started web-pod/'
kubectl get pods -l '!tier,app notin (web)' -o name
`

describe('a kubectl script, unchanged, against mk8s', () => {
  const c = new TestCluster()
  const dir = join(c.dir, 'manifests')
  beforeAll(async () => {
    await c.up([], ['node1', 'node2'])
    mkdirSync(join(dir, 'more'), {recursive: true})
    const web = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', labels: {app: 'web'}},
      spec: {replicas: 2, selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [server('web')]}}},
    }
    const svc = (name: string, selector: Record<string, string>) => ({apiVersion: 'v1', kind: 'Service', metadata: {name}, spec: {selector, ports: [{port: 80, targetPort: 80}]}})
    writeFileSync(join(dir, 'web.yaml'), `${stringify(web)}---\n${stringify(svc('web', {app: 'web'}))}`)
    writeFileSync(join(dir, 'api.yml'), stringify({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'api', labels: {app: 'api'}}, spec: {containers: [server('api')]}}))
    writeFileSync(join(dir, 'client.json'), JSON.stringify({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'client', labels: {app: 'client'}}, spec: {containers: [{name: 'sh', image: 'mk8s/busybox', command: ['sleep', '3600']}]}}))
    writeFileSync(join(dir, 'front.yaml'), stringify(svc('front', {tier: 'front'})))
    writeFileSync(join(dir, 'README.md'), 'not a manifest: -f DIR reads .yaml, .yml and .json only\n')
  })
  afterAll(async () => {
    await c.down()
  })

  it('gives the answers a Kubernetes cluster would', async () => {
    const r = await execa('bash', ['-c', SCRIPT], {reject: false, env: {MK8S_STATE: c.state, MK8S_CLI: CLI, MANIFESTS: dir, NO_COLOR: '1'}, timeout: 600_000})
    expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0)
    const lines = r.stdout.split('\n')
    const applied = lines.slice(0, 5).sort()
    expect(applied).toEqual(['deployment.apps/web created', 'pod/api created', 'pod/client created', 'service/front created', 'service/web created'].sort())
    expect(lines.slice(5)).toEqual([
      'pod/client condition met',
      'pod/api condition met',
      'deployment.apps/web condition met',
      'selected: 3',
      'api: pod/api',
      'deployment.apps/web scaled',
      'deployment.apps/web condition met',
      'ready: 3',
      'web answered',
      'front endpoints before: ',
      'pod/api labeled',
      'front endpoints after: api',
      'host=api',
      'deployment.apps/web restarted',
      'deployment "web" successfully rolled out',
      'pods after restart: 3',
      'started web-pod',
      'started web-pod',
      'started web-pod',
      'pod/client',
    ])
  })

  it('port-forward: a local port reaches a pod, and a service port its pod, over the node\'s SSH; Ctrl-C ends it', async () => {
    const lines: string[] = []
    const pf = execa('node', [CLI, 'port-forward', 'svc/web', ':80'], {env: {MK8S_STATE: c.state, NO_COLOR: '1'}, reject: false})
    pf.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)))
    for (let i = 0; i < 100 && !lines.length; i++) await new Promise((r) => setTimeout(r, 100))
    const m = /^Forwarding from 127\.0\.0\.1:(\d+) -> 80$/.exec(lines[0] ?? '')
    expect(m, `${lines.join('\n')}`).not.toBeNull()
    const res = await fetch(`http://127.0.0.1:${m![1]}/cgi-bin/whoami`)
    expect(await res.text()).toMatch(/^host=web-/)
    pf.kill('SIGINT')
    const r = await pf
    expect(r.exitCode, r.stderr).toBe(0)
    // the local port is free again
    await expect(fetch(`http://127.0.0.1:${m![1]}/`)).rejects.toThrow()
  })

  it('logs --previous: the lines written before the last restart; none for a container that never restarted', async () => {
    await c.ok(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'Pod', metadata: {name: 'flappy'}, spec: {restartPolicy: 'Always', containers: [{name: 'app', image: 'mk8s/busybox', command: ['sh', '-c', 'echo "run $(cat /proc/uptime)"; sleep 1; exit 1']}]}})})
    let prev = {code: 1, stdout: '', stderr: ''}
    for (let i = 0; i < 40 && prev.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 500))
      prev = await c.run(['logs', 'flappy', '--previous'])
    }
    expect(prev.code, prev.stderr).toBe(0)
    const before = prev.stdout.trim().split('\n')
    expect(before.length).toBeGreaterThan(0)
    expect(before.every((l) => l.startsWith('run '))).toBe(true)
    // all of the log holds the previous lines and the current instance's (written after its start)
    const all = (await c.ok(['logs', 'flappy'])).trim().split('\n')
    expect(all.slice(0, before.length)).toEqual(before)
    const never = await c.run(['logs', 'client', '--previous'])
    expect(never).toMatchObject({code: 1, stderr: expect.stringContaining('previous terminated container "sh" in pod "client" not found')})
    await c.ok(['delete', 'pod/flappy'])
  })
})
