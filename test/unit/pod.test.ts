import {describe, expect, it} from 'vitest'
import {argvText, renderPlan} from '../../src/lib/host/plan.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {allocatePodIP, pickNode} from '../../src/lib/pod/ipam.js'
import {abandoned} from '../../src/lib/pod/model.js'
import {cniAddPlan, cniConfig, hostVethName, pausePid, pausePidStep, pidVar, podMtu, wirePlan} from '../../src/lib/pod/plan.js'
import {parseCpu, parseMemory, parsePodSpec, selects} from '../../src/lib/pod/spec.js'
import {emptyState, type NodeRecord, type PodRecord} from '../../src/lib/state/schema.js'

const node = (name: string, podCIDR: string, ready = true): NodeRecord => ({
  name, podCIDR, target: {kind: 'local'}, iface: 'eth0', address: '192.168.56.11', mtu: 1500, ready, joinedAt: 'x',
})
const pod = (name: string, nodeName: string, ip: string, owner?: string): PodRecord => ({
  namespace: 'default', name, uid: name, node: nodeName, network: 'pod', ip, labels: {}, spec: {containers: [], restartPolicy: 'Always', hostNetwork: false}, owner, phase: 'Running', containers: [], createdAt: 'x',
})

describe('pod wiring plans', () => {
  const p = {namespace: 'default', name: 'web', uid: 'u1', ip: '10.244.1.5'}
  it('ip driver: a veth with its pod end made inside the pause namespace, hairpin on, address, lo, default route', () => {
    const veth = hostVethName(p)
    expect(veth).toMatch(/^veth[0-9a-f]{8}$/)
    const v = pidVar(p)
    expect(v).toMatch(/^PAUSE_[0-9A-F]{8}$/)
    expect(renderPlan([pausePidStep(p), ...wirePlan({pod: p, node: {podCIDR: '10.244.1.0/24'}, pid: pausePid(p), mtu: 1450})])).toBe(
      [
        `${v}=$(docker inspect --format '{{.State.Pid}}' k8s_POD_web_default) && [ -n "$${v}" ]`,
        `ip link show ${veth} </dev/null >/dev/null 2>&1 || ip link add ${veth} mtu 1450 type veth peer name eth0 mtu 1450 netns "$${v}"`,
        `ip link set ${veth} master cni0 up`,
        `bridge link set dev ${veth} hairpin on`,
        `nsenter -t "$${v}" -n ip addr replace 10.244.1.5/24 dev eth0`,
        `nsenter -t "$${v}" -n ip link set lo up`,
        `nsenter -t "$${v}" -n ip link set eth0 up`,
        `nsenter -t "$${v}" -n ip route replace default via 10.244.1.1 dev eth0`,
        'ip neigh flush to 10.244.1.5 dev cni0 2>/dev/null || true',
      ].join('\n'),
    )
  })
  it('cni driver: loopback then bridge, per the CNI spec, with the address mk8s chose', () => {
    const plan = cniAddPlan(p, {podCIDR: '10.244.1.0/24'}, 1450, 'abc', pausePid(p))
    const v = pidVar(p)
    expect(plan[0].argv.slice(3)).toEqual(['sh', '/var/lib/cni/networks/mk8s/10.244.1.5', 'abc'])
    expect(argvText(plan[2].argv)).toBe(
      `sh -c 'out=$("$@") || { rc=$?; printf "%s\\n" "$out" >&2; exit "$rc"; }' sh env CNI_COMMAND=ADD CNI_CONTAINERID=abc CNI_NETNS=/proc/"$${v}"/ns/net CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni 'CNI_ARGS=IgnoreUnknown=1;IP=10.244.1.5' /usr/lib/cni/bridge`,
    )
    expect(JSON.parse(plan[2].stdin!)).toEqual({cniVersion: '1.0.0', name: 'mk8s', ...cniConfig({podCIDR: '10.244.1.0/24'}, 1450).plugins[0]})
    expect(JSON.parse(plan[1].stdin!)).toEqual({cniVersion: '1.0.0', name: 'mk8s', type: 'loopback'})
    expect(argvText(plan[2].unless!)).toBe(`nsenter -t "$${v}" -n ip link show eth0`)
  })
  it('pod MTU follows the backend', () => {
    expect(podMtu({backend: 'vxlan'}, {mtu: 1500})).toBe(1450)
    expect(podMtu({backend: 'host-gw'}, {mtu: 1500})).toBe(1500)
  })
})

describe('pod addresses and placement', () => {
  it('hands out the lowest free address from .2, skipping taken ones', () => {
    const s = emptyState()
    const n = node('node1', '10.244.0.0/24')
    expect(allocatePodIP(s, n)).toBe('10.244.0.2')
    s.pods['default/a'] = pod('a', 'node1', '10.244.0.2')
    s.pods['default/b'] = pod('b', 'node1', '10.244.0.4')
    expect(allocatePodIP(s, n)).toBe('10.244.0.3')
    expect(allocatePodIP(s, n, [pod('c', 'node1', '10.244.0.3')])).toBe('10.244.0.5')
  })
  it('spreads over Ready nodes: fewest of the same owner, then fewest pods', () => {
    const s = emptyState()
    const nodes = [node('node1', '10.244.0.0/24'), node('node2', '10.244.1.0/24'), node('node3', '10.244.2.0/24', false)]
    s.pods['default/x'] = pod('x', 'node1', '10.244.0.2')
    expect(pickNode(s, nodes, undefined, []).name).toBe('node2')
    expect(pickNode(s, nodes, 'web', [pod('w1', 'node2', '10.244.1.2', 'web')]).name).toBe('node1')
    expect(() => pickNode(s, [node('n', '10.0.0.0/24', false)], undefined, [])).toThrow(/no Ready node/)
  })
})

describe('pod specs', () => {
  it('refuses two containers on one port, duplicate names, bad quantities', () => {
    const c = (name: string, port: number) => ({name, image: 'mk8s/busybox', ports: [{containerPort: port}]})
    expect(() => parsePodSpec({containers: [c('a', 80), c('b', 80)]}, 'pod x')).toThrow(/both use port 80\/TCP/)
    expect(() => parsePodSpec({containers: [c('a', 80), c('a', 81)]}, 'pod x')).toThrow(/two containers are named "a"/)
    expect(() => parsePodSpec({containers: [{...c('a', 80), resources: {limits: {memory: 'lots'}}}]}, 'pod x')).toThrow(/invalid memory/)
    expect(() => parsePodSpec({containers: []}, 'pod x')).toThrow(/at least one container/)
    expect(parsePodSpec({containers: [{name: 'a', image: 'busybox', ports: [{containerPort: 53, protocol: 'UDP'}]}]}, 'x').restartPolicy).toBe('Always')
  })
  it('quantities', () => {
    expect(parseCpu('500m')).toBe(500_000_000)
    expect(parseCpu(1)).toBe(1_000_000_000)
    expect(parseMemory('64Mi')).toBe(64 * 1024 * 1024)
    expect(parseMemory('1G')).toBe(1e9)
  })
  it('selectors: every selector label must match; an empty selector selects nothing', () => {
    expect(selects({app: 'web'}, {app: 'web', tier: 'x'})).toBe(true)
    expect(selects({app: 'web', tier: 'y'}, {app: 'web', tier: 'x'})).toBe(false)
    expect(selects({}, {app: 'web'})).toBe(false)
  })
})

describe('manifests', () => {
  it('parses multi-document YAML into validated objects, namespace defaulted', () => {
    const objs = parseManifests(
      `apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {containers: [{name: a, image: mk8s/busybox}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: mk8s/busybox}]}
`,
      'test.yaml',
      'default',
    )
    expect(objs.map((o) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual(['Pod default/a', 'Deployment shop/web'])
  })
  it('malformed YAML, unknown kinds, wrong apiVersion and bad selectors are exit 2 with the place', () => {
    const bad = (text: string, re: RegExp) => {
      try {
        parseManifests(text, 'f.yaml', 'default')
        throw new Error('accepted')
      } catch (error) {
        expect((error as {exitCode?: number}).exitCode).toBe(2)
        expect((error as Error).message).toMatch(re)
      }
    }
    bad('kind: Pod\nmetadata: {name: x\n', /malformed YAML at line \d+/)
    bad('apiVersion: v1\nkind: Gizmo\nmetadata: {name: x}\n', /kind Gizmo is not supported/)
    bad('apiVersion: v2\nkind: Pod\nmetadata: {name: x}\n', /must have apiVersion v1/)
    bad('apiVersion: v1\nkind: Pod\nmetadata: {name: X_1}\nspec: {containers: [{name: a, image: b}]}\n', /invalid pod name/)
    bad(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: b}}, spec: {containers: [{name: a, image: b}]}}}\n',
      /does not match/,
    )
  })
})

describe('a pod left Pending by a killed mk8s', () => {
  const pending = (extra: Partial<PodRecord>): PodRecord => ({...pod('p', 'node1', '10.244.1.2'), phase: 'Pending', createdAt: new Date(1_000_000).toISOString(), ...extra})
  it('is abandoned when its process is gone, or (without a pid) when older than a stale lock', () => {
    expect(abandoned(pending({pid: process.pid}))).toBe(false)
    expect(abandoned(pending({pid: process.ppid}))).toBe(false)
    expect(abandoned(pending({pid: 2 ** 22 + 1}))).toBe(true) // above pid_max: no such process
    expect(abandoned(pending({}), 1_000_000 + 10_000)).toBe(false)
    expect(abandoned(pending({}), 1_000_000 + 20_000)).toBe(true)
    expect(abandoned({...pending({pid: 2 ** 22 + 1}), phase: 'Running'})).toBe(false)
  })
})
