import {execa} from 'execa'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {whoamiCommand, WHOAMI_SCRIPT} from '../../src/lib/lab/workloads.js'
import {StateStore} from '../../src/lib/state/store.js'
import {CLI, LAB_NODES, TestCluster, labAddress} from './helpers.js'

/**
 * Issue 19: mk8s killed at every step boundary of its commands. The boundaries are the
 * executor's own (a state write, a node's script, a runtime call): MK8S_CRASH_AT=k kills the
 * command with SIGKILL at the k-th, and k goes up until the command ends on its own, so every
 * boundary is hit. After each kill one `doctor --fix`; then doctor is clean and the state and
 * every node agree object by object (containers, veths, leases, DNS records), with traffic.
 */
const c = new TestCluster()
const logDir = mkdtempSync(join(tmpdir(), 'mk8s-crash-'))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const IMAGE = ['--image', 'mk8s/busybox']

/** The killed command's ssh children finish their scripts on their own (their own process group): wait for them. */
async function settled(): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const r = await execa('pgrep', ['-f', 'BatchMode=yes'], {reject: false})
    if (r.exitCode !== 0) return
    await sleep(100)
  }
}

/** Run the CLI, stopped at its k-th boundary by `signal`; whether it was, and where. */
async function stopAt(args: string[], k: number, o: {input?: string; signal?: string} = {}): Promise<{stopped: boolean; at: string; code?: number; stderr: string}> {
  const log = join(logDir, `b-${k}-${Date.now()}`)
  const r = await execa('node', [CLI, ...args], {
    reject: false,
    input: o.input ?? '',
    env: {MK8S_STATE: c.state, NO_COLOR: '1', MK8S_CRASH_AT: String(k), MK8S_CRASH_LOG: log, ...(o.signal ? {MK8S_CRASH_SIGNAL: o.signal} : {})},
    timeout: 240_000,
  })
  await settled()
  let lines: string[] = []
  try {
    lines = readFileSync(log, 'utf8').trim().split('\n')
  } catch {}
  const reached = lines.length >= k
  return {stopped: o.signal ? reached : r.signal === 'SIGKILL', at: reached ? lines[k - 1] : `(ended after ${lines.length} boundaries, exit ${r.exitCode})`, code: r.exitCode ?? undefined, stderr: r.stderr}
}

interface Doctor {
  ok: boolean
  findings: Array<{id: string; node?: string; object: string; evidence: string}>
  fixed?: string[]
  left?: string[]
}

const doctor = async (fix: boolean): Promise<Doctor> => {
  const r = await c.run(['doctor', ...(fix ? ['--fix'] : []), '-o', 'json'])
  expect([0, 1], r.stderr).toContain(r.code)
  return JSON.parse(r.stdout) as Doctor
}
const counted = (d: Doctor) => d.findings.filter((f) => !['info'].includes((f as {severity?: string}).severity ?? ''))

/** What a node holds of mk8s's pods: "ns/name container state" lines, veths on cni0, leases, DNS A records. */
async function hostView(node: string) {
  const script = `docker ps -a --filter label=io.mk8s.uid --format '{{.Label "io.mk8s.pod"}} {{.Label "io.mk8s.container"}} {{.State}}' | sort
echo ==; ip -o link show master cni0 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep ^veth | sort
echo ==; ls /var/lib/cni/networks/mk8s 2>/dev/null | grep -v -e lock -e last_reserved | sort
echo ==; cat /var/lib/mk8s/dns/hosts.d/* 2>/dev/null | sort`
  const r = await c.onNode(node, ['sh', '-c', script])
  expect(r.code, r.stderr).toBe(0)
  const [containers, veths, leases, dns] = r.stdout.split('==\n').map((part) => part.split('\n').filter(Boolean))
  return {containers, veths, leases, dns}
}

/** The state and every node agree, object by object. */
async function agree(): Promise<void> {
  const s = new StateStore(c.state).read()
  const views = await Promise.all(LAB_NODES.map(hostView))
  for (const [i, node] of LAB_NODES.entries()) {
    const h = views[i]
    const pods = Object.values(s.pods).filter((p) => p.node === node)
    expect(pods.filter((p) => p.phase !== 'Running').map((p) => `${p.name} ${p.phase}`), `${node}: pods not Running`).toEqual([])
    const want = pods.flatMap((p) => [`${p.namespace}/${p.name} POD running`, ...p.containers.map((x) => `${p.namespace}/${p.name} ${x.name} running`)]).sort()
    expect(h.containers, `${node}: containers`).toEqual(want)
    expect(h.veths.length, `${node}: veths on cni0 (${h.veths.join(' ')})`).toBe(pods.filter((p) => p.network === 'pod').length)
    if (s.cluster?.driver === 'cni') expect(h.leases, `${node}: leases`).toEqual(pods.filter((p) => p.network === 'pod').map((p) => p.ip!).sort())
    if (!s.nodes[node]) continue
    expect(s.nodes[node].ready, `${node}: Ready (${s.nodes[node].reason ?? ''})`).toBe(true)
    // every service's address is in the node's DNS, and nothing else (pod records are synthesized from the pod network)
    const ips = new Set(h.dns.map((l) => l.split(/\s+/)[0]))
    const wantIps = new Set(Object.values(s.services).map((v) => v.clusterIP).filter((ip): ip is string => Boolean(ip && ip !== 'None')))
    expect([...ips].sort(), `${node}: DNS records`).toEqual([...wantIps].sort())
  }
}

/** After a kill: one doctor --fix, then doctor clean and the hosts as the state says. */
async function converge(what: string): Promise<void> {
  // --fix reads every node again after fixing: its findings are doctor's own second look
  const fix = await doctor(true)
  expect(counted(fix).map((f) => `${f.id} ${f.node ?? ''} ${f.object}: ${f.evidence}`), `${what}: doctor after --fix (it fixed ${JSON.stringify(fix.fixed)})`).toEqual([])
  await agree()
}

/** A pod answers HTTP on its address, from a node. */
async function answers(url: string, expectText: string, from = 'node1', headers: string[] = []): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    const r = await c.onNode(from, ['timeout', '3', 'curl', '-s', ...headers.flatMap((h) => ['-H', h]), url])
    if (r.stdout.includes(expectText)) return true
    await sleep(250)
  }
  return false
}

/**
 * The boundaries of a command: k = from, from + stride, ... until it ends by itself; `each` after
 * every kill. To keep .ci/run within its time the suite takes every fifth boundary (every tenth of
 * the rolled apply), starting from one that moves with the day, so that successive runs cover them
 * all; MK8S_CRASH_STRIDE=1 makes every sweep hit every boundary, MK8S_CRASH_FROM sets the first.
 */
async function everyBoundary(name: string, args: (k: number) => string[], each: (k: number, at: string) => Promise<void>, o: {before?: (k: number) => Promise<void>; input?: (k: number) => string; stride?: number} = {}): Promise<string[]> {
  const hit: string[] = []
  const stride = Number(process.env.MK8S_CRASH_STRIDE ?? o.stride ?? 5)
  const day = Math.floor(Date.now() / 86_400_000)
  const from = Number(process.env.MK8S_CRASH_FROM ?? 1 + (day % stride))
  for (let k = from; k < 80; k += stride) {
    await o.before?.(k)
    const r = await stopAt(args(k), k, {input: o.input?.(k)})
    if (!r.stopped) {
      expect(r.code, `${name} ran to its end: ${r.stderr}`).toBe(0)
      break
    }
    hit.push(r.at)
    await each(k, r.at)
  }
  console.log(`${name}: killed at ${hit.length} boundaries: ${hit.map((h) => h.replace(/^\d+ /, '')).join(', ')}`)
  // a short command (6 or 7 boundaries) may be killed once in a run; the day's offset moves it
  expect(hit.length).toBeGreaterThan(0)
  return hit
}

const shop = (k: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
      - name: web
        image: mk8s/busybox
        command: ["sh", "-c", ${JSON.stringify(WHOAMI_SCRIPT)}, "whoami", "80"]
        env: [{name: ROUND, value: "${k}"}]
---
apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  selector: {app: shop}
  ports: [{port: ${8000 + k}, targetPort: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
  - host: r${k}.shop.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: ${8000 + k}}}}}
`

describe('killed at every step boundary', () => {
  beforeAll(async () => {
    await c.up(['--driver', 'cni'])
  }, 300_000)

  afterAll(async () => {
    rmSync(logDir, {recursive: true, force: true})
    await c.down()
  }, 300_000)

  it('pod run: after each kill and one doctor --fix, the pod is Running and answering, or it is nowhere', async () => {
    const run = (k: number) => ['pod', 'run', `run-${k}`, ...IMAGE, '--node', 'node2', '--', ...whoamiCommand()]
    await everyBoundary('pod run', run, async (k) => {
      await converge(`pod run killed at boundary ${k}`)
      const p = new StateStore(c.state).read().pods[`default/run-${k}`]
      if (p) expect(await answers(`http://${p.ip}/cgi-bin/whoami`, `host=run-${k}`), `run-${k} answers`).toBe(true)
    })
    const left = Object.keys(new StateStore(c.state).read().pods).map((k) => k.replace('default/', ''))
    await c.ok(['delete', 'pod', ...left])
    await agree()
  }, 900_000)

  it('pod delete: after each kill and one doctor --fix, the pod is gone or Running, with nothing of it left', async () => {
    // the pods to delete, made at once
    const pods = Array.from({length: 12}, (_, i) => ({apiVersion: 'v1', kind: 'Pod', metadata: {name: `del-${i + 1}`}, spec: {nodeName: 'node3', containers: [{name: 'c', image: 'mk8s/busybox', command: ['sleep', '3600']}]}}))
    await c.ok(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'List', items: pods})})
    await everyBoundary('pod delete', (k) => ['pod', 'delete', `del-${k}`], async (k) => {
      await converge(`pod delete killed at boundary ${k}`)
      await c.run(['pod', 'delete', `del-${k}`])
    })
    const left = Object.keys(new StateStore(c.state).read().pods).map((k) => k.replace('default/', ''))
    if (left.length) await c.ok(['delete', 'pod', ...left])
    await agree()
  }, 900_000)

  it('apply -f of a Deployment, its Service and Ingress, rolled each time: after each kill, doctor --fix and a re-apply give 3 replicas answering through both', async () => {
    await c.ok(['apply', '-f', '-'], {input: shop(0)})
    const through = async (k: number) => {
      const s = new StateStore(c.state).read()
      const pods = Object.values(s.pods).filter((p) => p.owner === 'shop')
      expect(pods.map((p) => p.phase)).toEqual(['Running', 'Running', 'Running'])
      const ip = s.services['default/shop'].clusterIP
      for (const p of pods) expect(await answers(`http://${p.ip}/cgi-bin/whoami`, `host=${p.name}`, p.node), `${p.name} answers`).toBe(true)
      expect(await answers(`http://${ip}:${8000 + k}/cgi-bin/whoami`, 'host=shop-', 'node3'), 'the service answers').toBe(true)
      expect(await answers(`http://${labAddress('node1')}/cgi-bin/whoami`, 'host=shop-', 'node2', [`Host: r${k}.shop.test`]), 'the ingress answers').toBe(true)
    }
    await everyBoundary('apply -f', () => ['apply', '-f', '-'], async (k) => {
      await converge(`apply -f killed at boundary ${k}`)
      await c.ok(['apply', '-f', '-'], {input: shop(k)})
      await through(k)
    }, {input: (k) => shop(k), stride: 10}) // ~33 boundaries at ~60 s each: every tenth here, all with MK8S_CRASH_STRIDE=1
    await c.ok(['delete', '-f', '-'], {input: shop(0)})
    await agree()
  }, 1_500_000)

  it('svc expose: after each kill and one doctor --fix, the service answers or is not there', async () => {
    await c.ok(['pod', 'run', 'exp', ...IMAGE, '--node', 'node1', '-l', 'app=exp', '--port', '80', '--', ...whoamiCommand()])
    await everyBoundary('svc expose', (k) => ['svc', 'expose', 'pod/exp', '--port', String(9000 + k), '--target-port', '80', '--name', `exp-${k}`], async (k) => {
      await converge(`svc expose killed at boundary ${k}`)
      const svc = new StateStore(c.state).read().services[`default/exp-${k}`]
      if (svc) expect(await answers(`http://${svc.clusterIP}:${9000 + k}/cgi-bin/whoami`, 'host=exp', 'node2'), `exp-${k} answers`).toBe(true)
    })
    const s = new StateStore(c.state).read()
    await c.ok(['delete', 'svc', ...Object.keys(s.services).map((k) => k.replace('default/', ''))])
    await c.ok(['pod', 'delete', 'exp'])
  }, 900_000)

  it('node join: after each kill and one doctor --fix, the node is Ready and runs pods, or it is not in the cluster', async () => {
    await c.ok(['node', 'leave', 'node3', '--force'])
    await everyBoundary('node join', () => ['node', 'join', 'node3', '--ssh', `root@${labAddress('node3')}`], async (k) => {
      await converge(`node join killed at boundary ${k}`)
      const n = new StateStore(c.state).read().nodes.node3
      if (n) {
        // a join cut short is finished by joining again; then the node works
        await c.ok(['node', 'join', 'node3', '--ssh', `root@${labAddress('node3')}`])
        await c.ok(['pod', 'run', `j-${k}`, ...IMAGE, '--node', 'node3', '--', ...whoamiCommand()])
        const p = new StateStore(c.state).read().pods[`default/j-${k}`]
        expect(await answers(`http://${p.ip}/cgi-bin/whoami`, `host=j-${k}`, 'node1'), `a pod on node3 answers from node1`).toBe(true)
        await c.ok(['pod', 'delete', `j-${k}`])
        await c.ok(['node', 'leave', 'node3'])
      }
    })
  }, 1_200_000)

  it('a pause container restarted by Docker (a new, empty namespace) is found by doctor and fixed by --fix', async () => {
    await c.ok(['pod', 'run', 'pz', ...IMAGE, '--node', 'node1', '--', ...whoamiCommand()])
    const r = await c.onNode('node1', ['sh', '-c', 'docker restart $(docker ps -q --filter label=io.mk8s.pod=default/pz --filter label=io.mk8s.container=POD)'])
    expect(r.code, r.stderr).toBe(0)
    const d = await doctor(false)
    expect(counted(d).map((f) => `${f.id} ${f.object}`)).toContain('pod-netns-split pod/default/pz')
    await converge('restarted pause container')
    const p = new StateStore(c.state).read().pods['default/pz']
    // the app container restarts inside the wired namespace: traffic still flows afterwards
    await c.onNode('node1', ['sh', '-c', 'docker restart $(docker ps -q --filter label=io.mk8s.pod=default/pz --filter label=io.mk8s.container=main)'])
    expect(await answers(`http://${p.ip}/cgi-bin/whoami`, 'host=pz', 'node2')).toBe(true)
    await c.ok(['pod', 'delete', 'pz'])
  }, 300_000)

  it('SIGINT and SIGTERM stop at the next safe point: exit 130 and 143, what was left said, and state and hosts agree with no doctor', async () => {
    const int = await stopAt(['pod', 'run', 'sig', ...IMAGE, '--node', 'node2', '--', ...whoamiCommand()], 3, {signal: 'SIGINT'})
    expect(int.code, int.stderr).toBe(130)
    expect(int.stderr).toMatch(/interrupted \(SIGINT\): pod\(s\) default\/sig not created/)
    expect(counted(await doctor(false))).toEqual([])
    await agree()
    const term = await stopAt(['apply', '-f', '-'], 4, {signal: 'SIGTERM', input: shop(1)})
    expect(term.code, term.stderr).toBe(143)
    expect(term.stderr).toMatch(/interrupted \(SIGTERM\): applied \d of 3 object\(s\)/)
    expect(counted(await doctor(false))).toEqual([])
    await agree()
    await c.ok(['delete', '-f', '-', '--ignore-not-found'], {input: shop(1)})
  }, 300_000)
})
