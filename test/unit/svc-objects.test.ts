import {describe, expect, it} from 'vitest'
import {InputError} from '../../src/lib/errors.js'
import {allocateClusterIP, allocateNodePorts} from '../../src/lib/svc/allocate.js'
import {endpointsOf} from '../../src/lib/svc/endpoints.js'
import {allocateLbIP, lbPool} from '../../src/lib/svc/lb.js'
import {parseV1Service} from '../../src/lib/svc/manifest.js'
import {buildService} from '../../src/lib/svc/service.js'
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseFilesBundle} from '../../src/lib/host/files.js'
import type {Step} from '../../src/lib/host/plan.js'
import {fullServicesPlan, incrementalServicesPlan, SERVICES_DIR, servicesBootPlan} from '../../src/lib/svc/sync.js'
import {fixture, pod, svc} from './svc-fixture.js'

const exit2 = (fn: () => unknown, msg: RegExp) => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).exitCode).toBe(2)
    expect((error as Error).message).toMatch(msg)
    return
  }
  throw new Error('expected an InputError')
}

describe('allocation', () => {
  it('ClusterIPs skip the network address, .1 and the DNS address', () => {
    const s = fixture([], [svc('a', '10.96.0.2')])
    expect(allocateClusterIP(s, s.cluster!, 'default/x')).toBe('10.96.0.3')
    for (let i = 3; i <= 9; i++) s.services[`default/s${i}`] = svc(`s${i}`, `10.96.0.${i}`)
    expect(allocateClusterIP(s, s.cluster!, 'default/x')).toBe('10.96.0.11')
    expect(allocateClusterIP(s, s.cluster!, 'default/dns', '10.96.0.10')).toBe('10.96.0.10')
    exit2(() => allocateClusterIP(s, s.cluster!, 'default/x', '10.96.0.2'), /taken by service default\/a/)
    exit2(() => allocateClusterIP(s, s.cluster!, 'default/x', '10.200.0.2'), /not a usable address/)
  })

  it('NodePorts: the lowest free one, kept on update; a taken or out-of-range one is exit 2', () => {
    const s = fixture([], [svc('a', '10.96.0.2', {type: 'NodePort', ports: [{protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30000}]})])
    const ports = [{protocol: 'TCP' as const, port: 80, targetPort: 80}, {name: 'b', protocol: 'UDP' as const, port: 53, targetPort: 53}]
    expect(allocateNodePorts(s, s.cluster!, 'default/x', 'NodePort', ports).map((p) => p.nodePort)).toEqual([30001, 30002])
    expect(allocateNodePorts(s, s.cluster!, 'default/a', 'NodePort', [ports[0]], s.services['default/a']).map((p) => p.nodePort)).toEqual([30000])
    exit2(() => allocateNodePorts(s, s.cluster!, 'default/x', 'NodePort', [{...ports[0], nodePort: 30000}]), /30000 is already taken by service default\/a/)
    exit2(() => allocateNodePorts(s, s.cluster!, 'default/x', 'NodePort', [{...ports[0], nodePort: 8080}]), /outside the NodePort range 30000-32767/)
    expect(allocateNodePorts(s, s.cluster!, 'default/x', 'ClusterIP', [{...ports[0], nodePort: 31000}])).toEqual([ports[0]])
  })

  it('LoadBalancer pool: the last /28 of the first node\'s network unless given; lowest free address', () => {
    const s = fixture([], [])
    expect(lbPool(s, s.nodes.node1)).toBe('192.168.56.240/28')
    expect(allocateLbIP(s, '192.168.56.240/28')).toBe('192.168.56.241')
    s.services['default/l'] = svc('l', '10.96.0.2', {type: 'LoadBalancer', loadBalancerIP: '192.168.56.241'})
    expect(allocateLbIP(s, '192.168.56.240/28')).toBe('192.168.56.242')
    s.cluster!.lbPool = '10.10.0.0/30'
    expect(lbPool(s, s.nodes.node1)).toBe('10.10.0.0/30')
  })
})

describe('v1 Service manifests', () => {
  const base = {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web'}, spec: {selector: {app: 'web'}, ports: [{port: 80}]}}

  it('defaults: ClusterIP, TCP, targetPort = port, namespace from the command', () => {
    expect(parseV1Service(base, 'shop')).toEqual({namespace: 'shop', name: 'web', type: 'ClusterIP', clusterIP: undefined, ports: [{protocol: 'TCP', port: 80, targetPort: 80}], selector: {app: 'web'}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', loadBalancerIP: undefined})
  })

  it('several named ports, UDP, named target ports, headless, affinity, Local policy', () => {
    const r = parseV1Service({...base, spec: {type: 'NodePort', externalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', selector: {app: 'dns'}, ports: [{name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns'}, {name: 'http', port: 80, nodePort: 30080}]}}, 'default')
    expect(r.ports).toEqual([{name: 'dns', protocol: 'UDP', port: 53, targetPort: 'dns'}, {name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080}])
    expect(parseV1Service({...base, spec: {clusterIP: 'None', selector: {app: 'x'}}}, 'default').clusterIP).toBe('None')
  })

  it('refuses what Kubernetes refuses, with exit 2', () => {
    exit2(() => parseV1Service({...base, spec: {ports: [{port: 80}, {port: 81}]}}, 'default'), /needs a name/)
    exit2(() => parseV1Service({...base, spec: {ports: [{port: 80, protocol: 'SCTP'}]}}, 'default'), /spec\.ports\[0\]\.protocol/)
    exit2(() => parseV1Service({...base, spec: {ports: [{port: 80, nodePort: 30000}]}}, 'default'), /type ClusterIP/)
    exit2(() => parseV1Service({...base, spec: {type: 'NodePort', clusterIP: 'None', ports: [{port: 80}]}}, 'default'), /headless/)
    exit2(() => parseV1Service({...base, metadata: {name: 'Web!'}}, 'default'), /invalid service name/)
    exit2(() => parseV1Service({...base, spec: {externalTrafficPolicy: 'Local', ports: [{port: 80}]}}, 'default'), /NodePort or LoadBalancer/)
  })

  it('a LoadBalancer gets an address from the pool and a node to announce it', () => {
    const s = fixture([], [])
    const rec = buildService(s, parseV1Service({...base, spec: {type: 'LoadBalancer', selector: {app: 'web'}, ports: [{port: 80}]}}, 'default'))
    expect([rec.clusterIP, rec.ports[0].nodePort, rec.loadBalancerIP, rec.announcedBy]).toEqual(['10.96.0.2', 30000, '192.168.56.241', 'node1'])
  })
})

describe('endpoints', () => {
  it('Running pods with an address whose labels match, named target ports resolved per pod', () => {
    const s = fixture([
      pod('a', 'node1', '10.244.0.9', {app: 'web'}, [{name: 'http', containerPort: 8080}]),
      pod('b', 'node2', '10.244.1.3', {app: 'web', tier: 'x'}, [{name: 'http', containerPort: 9090}]),
      pod('c', 'node2', '10.244.1.4', {app: 'web'}, [], 'Pending'),
      pod('d', 'node2', '10.244.1.5', {app: 'other'}, [{name: 'http', containerPort: 80}]),
      pod('e', 'node2', '10.244.1.6', {app: 'web'}, []),
    ], [svc('web', '10.96.0.2', {ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 'http'}, {name: 'raw', protocol: 'TCP', port: 81, targetPort: 81}]})])
    const eps = endpointsOf(s, s.services['default/web']).map((p) => p.endpoints.map((e) => `${e.ip}:${e.port}`))
    expect(eps).toEqual([['10.244.0.9:8080', '10.244.1.3:9090'], ['10.244.0.9:81', '10.244.1.3:81', '10.244.1.6:81']])
  })
})

describe('incremental sync', () => {
  const pods = [pod('a', 'node1', '10.244.0.5', {app: 'web'})]
  it('writes only the changed service, from the state the node was programmed from; nothing when nothing changed', () => {
    const s = fixture(pods, Array.from({length: 50}, (_, i) => svc(`s${i}`, `10.96.1.${i}`, {selector: {app: 'web'}})))
    expect(incrementalServicesPlan(s, s, s.nodes.node1)).toEqual([])
    const full = fullServicesPlan(s, s.nodes.node1)
    expect(full[0].stdin!.match(/^:KUBE-SVC-/gm)).toHaveLength(50)
    // and each service's own file afresh, for the boot script
    const saved = full.filter((x) => x.argv.includes(SERVICES_DIR))
    expect(saved.map((x) => x.argv.at(0))).toEqual(['rm', 'sh'])
    expect(Object.keys(parseFilesBundle(saved[1].stdin!))).toHaveLength(50)
    const after = structuredClone(s)
    after.services['default/new'] = svc('new', '10.96.2.1', {selector: {app: 'web'}})
    const inc = incrementalServicesPlan(s, after, after.nodes.node1)
    expect(inc).toHaveLength(2)
    expect(inc[0].stdin!.match(/^:KUBE-/gm)).toHaveLength(2)
    expect(inc[0].stdin).toContain('-I KUBE-SERVICES 1 -d 10.96.2.1/32')
    expect(inc[0].stdin).not.toContain('10.96.1.3')
    // the new service's file is its rules restored alone: here, exactly what the change restores
    expect(inc[1].argv.slice(-2)).toEqual(['sh', SERVICES_DIR])
    expect(parseFilesBundle(inc[1].stdin!)).toEqual({'default.new': inc[0].stdin})
    // removed: its file goes, nothing else is written
    const gone = incrementalServicesPlan(after, s, s.nodes.node1)
    expect(gone[1].argv.slice(-3)).toEqual(['sh', SERVICES_DIR, 'default.new'])
    expect(parseFilesBundle(gone[1].stdin!)).toEqual({})
  })

  it("boot: every service's file, run by a real sh and awk, is one restore with each table's chains declared before any rule", () => {
    const s = fixture(pods, [svc('s1', '10.96.1.1', {selector: {app: 'web'}}), svc('s2', '10.96.1.2', {selector: {app: 'web'}, type: 'NodePort'})])
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-svcfiles-'))
    try {
      const run = (x: Step, input?: string) => {
        const [cmd, ...args] = x.argv.map((a) => (a === SERVICES_DIR ? `${dir}/services` : String(a)))
        return execFileSync(cmd, args, {input: input ?? x.stdin ?? '', env: {...process.env, PATH: `${dir}/bin:${process.env.PATH}`}}).toString()
      }
      const full = fullServicesPlan(s, s.nodes.node1)
      run(full.find((x) => x.argv[0] === 'sh' && x.argv.includes(SERVICES_DIR))!)
      expect(readdirSync(`${dir}/services`).sort()).toEqual(['default.s1', 'default.s2'])
      // iptables-restore here only prints what it was given
      execFileSync('mkdir', ['-p', `${dir}/bin`])
      writeFileSync(`${dir}/bin/iptables-restore`, '#!/bin/sh\ncat\n')
      chmodSync(`${dir}/bin/iptables-restore`, 0o755)
      const boot = servicesBootPlan(s, s.nodes.node1)
      const merged = run(boot.find((x) => x.argv.includes(SERVICES_DIR))!).split('\n')
      const files = readdirSync(`${dir}/services`).flatMap((f) => execFileSync('cat', [`${dir}/services/${f}`]).toString().split('\n'))
      const body = (lines: string[]) => lines.filter((l) => l && !l.startsWith('*') && l !== 'COMMIT').sort()
      expect(body(merged)).toEqual(body(files))
      const tables = merged.filter((l) => l.startsWith('*'))
      expect(tables).toEqual([...new Set(tables)])
      expect(tables).toContain('*nat')
      for (const table of tables) {
        const at = merged.indexOf(table)
        const end = merged.indexOf('COMMIT', at)
        const block = merged.slice(at + 1, end)
        const lastDecl = block.map((l) => l.startsWith(':')).lastIndexOf(true)
        const firstRule = block.findIndex((l) => !l.startsWith(':'))
        expect(lastDecl).toBeGreaterThan(0)
        expect(lastDecl).toBeLessThan(firstRule)
      }
      expect(merged.filter((l) => l === 'COMMIT')).toHaveLength(tables.length)
      // with no file there, nothing is restored
      rmSync(`${dir}/services`, {recursive: true})
      execFileSync('mkdir', ['-p', `${dir}/services`])
      expect(run(boot.find((x) => x.argv.includes(SERVICES_DIR))!)).toBe('')
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
