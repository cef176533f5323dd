import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {leftoversOn, TestCluster} from './helpers.js'

/**
 * A StatefulSet in the lab, as Kubernetes documents OrderedReady pod management: pods web-0..2
 * made in order (each Running before the next is made), each with hostname web-i in the
 * governing headless Service's domain; scaled down highest ordinal first and up lowest first; a
 * deleted pod comes back with its name on re-apply; delete -f leaves no container behind; an
 * apply killed (SIGKILL) while web-1 is being made converges when it is applied again.
 */
const docs = (...objs: unknown[]) => objs.map((o) => JSON.stringify(o)).join('\n---\n')
const headless = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web'}, spec: {clusterIP: 'None', selector: {app: 'web'}, ports: [{name: 'web', port: 80}]}}
const web = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: {name: 'web'},
  spec: {
    serviceName: 'web',
    replicas: 3,
    selector: {matchLabels: {app: 'web'}},
    template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'sh', image: 'mk8s/busybox', command: ['sleep', '3600']}]}},
  },
}
const MANIFEST = docs(headless, web)

interface V1Pod {
  metadata: {name: string; creationTimestamp: string; labels: Record<string, string>}
  spec: {hostname?: string; subdomain?: string}
  status: {phase: string; containerStatuses: Array<{state: {running?: {startedAt: string}}}>}
}

/** The StatefulSet's step lines of a command's progress (stderr). */
const steps = (stderr: string) => stderr.split('\n').filter((l) => l.includes('statefulset web: ')).map((l) => l.slice(l.indexOf('statefulset web: ') + 17))

describe('StatefulSet in the lab', () => {
  const c = new TestCluster()
  const pods = async () => (await c.json<{items: V1Pod[]}>(['get', 'pods', '-l', 'app=web'])).items
  const hostname = async (pod: string) => (await c.ok(['pod', 'exec', pod, '--', 'hostname'])).trim()
  /** the step boundaries (state writes, node scripts, runtime calls) of the first apply, where the last test kills one */
  const boundaries = join(c.dir, 'boundaries.log')
  const containers = async () => {
    let n = 0
    for (const node of ['node1', 'node2']) n += Number((await c.onNode(node, ['sh', '-c', 'docker ps -q --filter label=io.mk8s.pod | wc -l'])).stdout.trim())
    return n
  }

  beforeAll(async () => {
    await c.up([], ['node1', 'node2'])
  })
  afterAll(async () => {
    await c.down()
  })

  it('makes web-0, web-1, web-2 in order, each Running before the next, each with its hostname and domain', async () => {
    const r = await c.run(['apply', '-f', '-'], {input: MANIFEST, env: {MK8S_CRASH_LOG: boundaries}})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('service/web created\nstatefulset.apps/web created')
    expect(steps(r.stderr)).toEqual(['creating pod web-0', 'creating pod web-1', 'creating pod web-2'])
    const items = (await pods()).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    expect(items.map((p) => [p.metadata.name, p.spec.hostname, p.spec.subdomain, p.status.phase, p.metadata.labels['statefulset.kubernetes.io/pod-name']])).toEqual([
      ['web-0', 'web-0', 'web', 'Running', 'web-0'],
      ['web-1', 'web-1', 'web', 'Running', 'web-1'],
      ['web-2', 'web-2', 'web', 'Running', 'web-2'],
    ])
    // each pod was made only once the one before it had its container started
    for (const i of [1, 2]) {
      const before = Date.parse(items[i - 1].status.containerStatuses[0].state.running!.startedAt)
      expect(Date.parse(items[i].metadata.creationTimestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
    }
    for (const p of ['web-0', 'web-1', 'web-2']) expect(await hostname(p)).toBe(p)
    expect(await c.ok(['pod', 'exec', 'web-1', '--', 'cat', '/etc/hosts'])).toMatch(/\bweb-1\.web\.default\.svc\.cluster\.local\b/)
    expect(await c.ok(['get', 'sts'])).toMatch(/^NAME\s+READY\s+AGE\nweb\s+3\/3\s+\S+$/)
    expect(await c.ok(['rollout', 'status', 'sts/web', '--watch=false'])).toMatch(/^statefulset rolling update complete 3 pods at revision web-[0-9a-f]{10}\.\.\.\n?$/)
    // the cluster DNS names each pod in the governing Service's domain, and the Service by all of them
    const ips = Object.fromEntries(items.map((p) => [p.metadata.name, (p.status as {podIP?: string}).podIP]))
    const lookup = async (name: string) =>
      (await c.ok(['pod', 'exec', 'web-0', '--', 'timeout', '10', 'nslookup', name])).split('\n').filter((l) => /^Address: /.test(l)).map((l) => l.slice(9).trim()).sort()
    expect(await lookup('web-2.web.default.svc.cluster.local')).toEqual([ips['web-2']])
    expect(await lookup('web.default.svc.cluster.local')).toEqual(Object.values(ips).sort())
  })

  it('scale to 1 removes web-2 then web-1; scale to 2 brings back web-1 with its hostname', async () => {
    const down = await c.run(['scale', 'statefulset/web', '--replicas=1'])
    expect(down.code, down.stderr).toBe(0)
    expect(down.stdout).toBe('statefulset.apps/web scaled')
    expect(steps(down.stderr)).toEqual(['deleting pod web-2', 'deleting pod web-1'])
    expect((await pods()).map((p) => p.metadata.name)).toEqual(['web-0'])
    const up = await c.run(['scale', 'sts', 'web', '--replicas', '2'])
    expect(up.code, up.stderr).toBe(0)
    expect(steps(up.stderr)).toEqual(['creating pod web-1'])
    expect((await pods()).map((p) => p.metadata.name).sort()).toEqual(['web-0', 'web-1'])
    expect(await hostname('web-1')).toBe('web-1')
  })

  it('a deleted web-0 comes back as web-0 when the StatefulSet is applied again', async () => {
    await c.ok(['delete', 'pod', 'web-0'])
    expect((await pods()).map((p) => p.metadata.name)).toEqual(['web-1'])
    // the same StatefulSet (2 replicas, as it was scaled): only web-0 is made, with its name
    const r = await c.run(['apply', '-f', '-'], {input: docs(headless, {...web, spec: {...web.spec, replicas: 2}})})
    expect(r.code, r.stderr).toBe(0)
    expect(steps(r.stderr)).toEqual(['creating pod web-0'])
    expect((await pods()).map((p) => p.metadata.name).sort()).toEqual(['web-0', 'web-1'])
    expect(await hostname('web-0')).toBe('web-0')
  })

  it('delete -f removes the StatefulSet, its pods and their containers', async () => {
    const r = await c.run(['delete', '-f', '-'], {input: MANIFEST})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('statefulset.apps "web" deleted')
    expect(await c.run(['get', 'sts'])).toMatchObject({code: 0, stdout: '', stderr: 'No resources found in default namespace.'})
    expect(await c.json(['get', 'pods'])).toMatchObject({items: []})
    for (const n of ['node1', 'node2']) expect((await leftoversOn(n))[0]).toBe('0')
  })

  it('an apply killed while web-1 is being made converges when applied again: web-1 made anew, then web-2, nothing left over', async () => {
    // the same apply on the same (empty again) cluster passes the same boundaries: kill it just before web-1's containers start
    const k = readFileSync(boundaries, 'utf8').trim().split('\n').findIndex((l) => / apps node\d web-1$/.test(l)) + 1
    expect(k).toBeGreaterThan(0)
    const log = join(c.dir, 'killed.log')
    const killed = await c.run(['apply', '-f', '-'], {input: MANIFEST, env: {MK8S_CRASH_AT: String(k), MK8S_CRASH_LOG: log}})
    expect(killed.code).not.toBe(0)
    const passed = readFileSync(log, 'utf8')
    expect(passed).toMatch(/ apps node\d web-0\n/)
    expect(passed).not.toContain('web-2')
    await new Promise((r) => setTimeout(r, 2000)) // the killed command's ssh children end
    const r = await c.run(['apply', '-f', '-'], {input: MANIFEST})
    expect(r.code, r.stderr).toBe(0)
    expect(steps(r.stderr)).toEqual(['removing what will never run of web-1', 'creating pod web-1', 'creating pod web-2'])
    expect((await pods()).map((p) => [p.metadata.name, p.status.phase]).sort()).toEqual([['web-0', 'Running'], ['web-1', 'Running'], ['web-2', 'Running']])
    expect(await hostname('web-1')).toBe('web-1')
    expect(await containers()).toBe(6) // a pause and an app container for each of the three, no more
    await c.ok(['delete', '-f', '-'], {input: MANIFEST})
    for (const n of ['node1', 'node2']) expect((await leftoversOn(n))[0]).toBe('0')
  })
})
