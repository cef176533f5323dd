import http from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {LAB_NODES, TestCluster, labAddress} from './helpers.js'

/**
 * NetworkPolicy, by the upstream conformance method: namespaces x, y, z with pods a, b, c each,
 * spread over the three nodes; every case probes all 81 pairs with real TCP connections on ports
 * 80 and 81, and compares with the matrix written by hand for that case.
 */
const NS = ['x', 'y', 'z'] as const
const PODS = ['a', 'b', 'c'] as const
const PLACE: Record<string, string> = {'x/a': 'node1', 'x/b': 'node2', 'x/c': 'node3', 'y/a': 'node2', 'y/b': 'node3', 'y/c': 'node1', 'z/a': 'node3', 'z/b': 'node1', 'z/c': 'node2'}

interface P {
  ns: string
  pod: string
  key: string
  node: string
  ip: string
}

const podManifest = (ns: string, pod: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {name: pod, namespace: ns, labels: {pod}},
  spec: {
    nodeName: PLACE[`${ns}/${pod}`],
    containers: [{name: 'srv', image: 'mk8s/busybox', command: ['sh', '-c', 'httpd -p 81 -h /etc && exec httpd -f -p 80 -h /etc'], ports: [{name: 'serve-80', containerPort: 80}, {name: 'serve-81', containerPort: 81}]}],
  },
})

/** Every target "ip:port" at once, each a TCP connection bounded by 2 s; prints "ip:port 1|0". */
const PROBE = 'for t in "$@"; do ( if echo | timeout 2 nc "${t%:*}" "${t#*:}" >/dev/null 2>&1; then echo "$t 1"; else echo "$t 0"; fi ) & done; wait'

const np = (ns: string, name: string, spec: object) => ({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name, namespace: ns}, spec})
const only = (labels: Record<string, string>) => ({matchLabels: labels})
const nsIs = (ns: string) => ({matchLabels: {'kubernetes.io/metadata.name': ns}})

interface Case {
  name: string
  policies: object[]
  /** by hand: may s open a connection to d on this port? (a pod reaching itself is always allowed) */
  expect: (s: P, d: P, port: number) => boolean
}

const isXA = (d: P) => d.key === 'x/a'

function cases(node1CIDR: string): Case[] {
  return [
    {name: 'no policy: everything reaches everything', policies: [], expect: () => true},
    {name: 'deny all ingress in x (empty podSelector)', policies: [np('x', 'deny', {podSelector: {}})], expect: (s, d) => d.ns !== 'x'},
    {name: 'x/a from x/b only (podSelector peer)', policies: [np('x', 'allow-b', {podSelector: only({pod: 'a'}), ingress: [{from: [{podSelector: only({pod: 'b'})}]}]})], expect: (s, d) => !isXA(d) || s.key === 'x/b'},
    {name: 'x/a from namespace y (namespaceSelector on kubernetes.io/metadata.name)', policies: [np('x', 'from-y', {podSelector: only({pod: 'a'}), ingress: [{from: [{namespaceSelector: nsIs('y')}]}]})], expect: (s, d) => !isXA(d) || s.ns === 'y'},
    {name: 'x/a from y/c only (namespaceSelector and podSelector in one peer)', policies: [np('x', 'from-yc', {podSelector: only({pod: 'a'}), ingress: [{from: [{namespaceSelector: nsIs('y'), podSelector: only({pod: 'c'})}]}]})], expect: (s, d) => !isXA(d) || s.key === 'y/c'},
    {
      name: 'two policies on x/a: the union of what they allow',
      policies: [np('x', 'allow-b', {podSelector: only({pod: 'a'}), ingress: [{from: [{podSelector: only({pod: 'b'})}]}]}), np('x', 'from-y', {podSelector: only({pod: 'a'}), ingress: [{from: [{namespaceSelector: nsIs('y')}]}]})],
      expect: (s, d) => !isXA(d) || s.key === 'x/b' || s.ns === 'y',
    },
    {
      name: 'matchExpressions: x isolated, open to pods NotIn (a) of every namespace',
      policies: [np('x', 'not-a', {podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: 'pod', operator: 'NotIn', values: ['a']}]}}]}]})],
      expect: (s, d) => d.ns !== 'x' || s.pod !== 'a',
    },
    {
      name: "ipBlock with except: x/a from the pod network but node1's /24",
      policies: [np('x', 'block', {podSelector: only({pod: 'a'}), ingress: [{from: [{ipBlock: {cidr: '10.244.0.0/16', except: [node1CIDR]}}]}]})],
      expect: (s, d) => !isXA(d) || s.node !== 'node1',
    },
    {name: 'x/a on port 81 only (number)', policies: [np('x', 'p81', {podSelector: only({pod: 'a'}), ingress: [{ports: [{port: 81}]}]})], expect: (s, d, port) => !isXA(d) || port === 81},
    {name: 'x/a on port serve-81 only (named port)', policies: [np('x', 'named', {podSelector: only({pod: 'a'}), ingress: [{ports: [{protocol: 'TCP', port: 'serve-81'}]}]})], expect: (s, d, port) => !isXA(d) || port === 81},
    {name: 'x/a on ports 79-80 (endPort)', policies: [np('x', 'range', {podSelector: only({pod: 'a'}), ingress: [{ports: [{port: 79, endPort: 80}]}]})], expect: (s, d, port) => !isXA(d) || port === 80},
    {name: 'deny all egress in y (policyTypes Egress)', policies: [np('y', 'no-egress', {podSelector: {}, policyTypes: ['Egress']})], expect: (s) => s.ns !== 'y'},
    {
      // no policyTypes: Ingress is always one, Egress because there are egress rules, so y/a is
      // isolated for ingress too, with no ingress rule: nothing reaches it (the spec's default)
      name: 'y/a may only reach namespace z on port 80 (egress rule with peer and port), and nothing reaches it (policyTypes defaults to Ingress too)',
      policies: [np('y', 'to-z', {podSelector: only({pod: 'a'}), egress: [{to: [{namespaceSelector: nsIs('z')}], ports: [{port: 80}]}]})],
      expect: (s, d, port) => (s.key !== 'y/a' || (d.ns === 'z' && port === 80)) && d.key !== 'y/a',
    },
    {
      name: "egress of x/b and ingress of z/c both judged: x/b reaches z/c only when both allow",
      policies: [
        np('x', 'b-out', {podSelector: only({pod: 'b'}), policyTypes: ['Egress'], egress: [{to: [{namespaceSelector: nsIs('z')}]}]}),
        np('z', 'c-in', {podSelector: only({pod: 'c'}), ingress: [{from: [{namespaceSelector: nsIs('x'), podSelector: only({pod: 'b'})}], ports: [{port: 81}]}]}),
      ],
      expect: (s, d, port) => (s.key !== 'x/b' || d.ns === 'z') && (d.key !== 'z/c' || (s.key === 'x/b' && port === 81)),
    },
  ]
}

function get(host: string, port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({host, port, path: '/passwd', timeout: 2500}, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(0))
  })
}

for (const mode of ['iptables', 'nftables'] as const) {
  describe(`NetworkPolicy, services in ${mode} mode`, () => {
    const c = new TestCluster()
    let pods: P[] = []
    let node1CIDR = ''

    /**
     * The reachability matrices on some ports (or to one pod's service address): one exec per
     * source pod for every port, all probes at once.
     */
    async function matrices(ports: number[], dst: (d: P, port: number) => string = (d, port) => `${d.ip}:${port}`): Promise<Map<number, Map<string, boolean>>> {
      const got = new Map(ports.map((port) => [port, new Map<string, boolean>()]))
      await Promise.all(
        pods.map(async (s) => {
          const r = await c.run(['pod', 'exec', s.pod, '-n', s.ns, '--', 'sh', '-c', PROBE, 'sh', ...new Set(ports.flatMap((port) => pods.map((d) => dst(d, port))))])
          const seen = new Map(r.stdout.trim().split('\n').map((l) => l.trim().split(' ') as [string, string]))
          for (const port of ports) for (const d of pods) got.get(port)!.set(`${s.key}>${d.key}`, seen.get(dst(d, port)) === '1')
        }),
      )
      return got
    }

    /** The matrix as a table: rows are sources, columns destinations; "." reached, "X" not, "!" where it differs from the expected. */
    function table(got: Map<string, boolean>, want: (s: P, d: P) => boolean): {text: string; wrong: number} {
      let wrong = 0
      const lines = [`     ${pods.map((d) => d.key.padEnd(4)).join('')}`]
      for (const s of pods) {
        let line = s.key.padEnd(5)
        for (const d of pods) {
          const g = got.get(`${s.key}>${d.key}`)!
          const w = s.key === d.key || want(s, d)
          if (g !== w) wrong++
          line += `${g ? '.' : 'X'}${g !== w ? '!' : ' '}`.padEnd(4)
        }
        lines.push(line)
      }
      return {text: lines.join('\n'), wrong}
    }

    /** Every port's matrix against the expected one, probed together. */
    async function check(name: string, ports: number[], want: (s: P, d: P, port: number) => boolean, dst?: (d: P, port: number) => string) {
      const got = await matrices(ports, dst)
      for (const port of ports) {
        const t = table(got.get(port)!, (s, d) => want(s, d, port))
        expect(t.wrong, `${name}, port ${port}: ${t.wrong} pairs differ from the expected matrix ("!"; "." reached, "X" not)\n${t.text}`).toBe(0)
      }
    }

    const applyDocs = (docs: object[]) => c.ok(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'List', items: docs})})
    const deleteDocs = (docs: object[]) => c.ok(['delete', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'List', items: docs})})

    beforeAll(async () => {
      await c.up(['--proxy-mode', mode])
      await applyDocs(NS.flatMap((ns) => PODS.map((p) => podManifest(ns, p))))
      const list = (await c.json(['pod', 'list', '-A'])).items as Array<{metadata: {name: string; namespace: string}; spec: {nodeName: string}; status: {podIP: string}}>
      pods = list.map((p) => ({ns: p.metadata.namespace, pod: p.metadata.name, key: `${p.metadata.namespace}/${p.metadata.name}`, node: p.spec.nodeName, ip: p.status.podIP})).sort((a, b) => a.key.localeCompare(b.key))
      expect(pods.map((p) => `${p.key}@${p.node}`)).toEqual(Object.entries(PLACE).sort().map(([k, n]) => `${k}@${n}`))
      node1CIDR = (await c.json(['node', 'get', 'node1'])).spec.podCIDR
      // the servers start after their containers: wait until every pod answers on both ports
      for (let i = 0; i < 20; i++) {
        const got = [...(await matrices([80, 81])).values()].flatMap((m) => [...m.values()])
        if (got.every(Boolean)) break
        await new Promise((r) => setTimeout(r, 500))
      }
    })

    afterAll(async () => {
      await c.down()
      for (const n of LAB_NODES) expect((await c.onNode(n, ['nft', 'list', 'table', 'inet', 'mk8s-netpol'])).code, `${n} still has the table`).not.toBe(0)
    })

    if (mode === 'iptables') {
      it('matches the expected 81-pair matrix on ports 80 and 81 for every case', async () => {
        for (const k of cases(node1CIDR)) {
          if (k.policies.length) await applyDocs(k.policies)
          try {
            await check(k.name, [80, 81], k.expect)
          } finally {
            // a failed case leaves no policy behind for the next tests
            if (k.policies.length) await deleteDocs(k.policies)
          }
        }
        for (const n of LAB_NODES) {
          const t = (await c.onNode(n, ['nft', 'list', 'table', 'inet', 'mk8s-netpol'])).stdout
          expect(t, `${n}: no policy chain left after the last delete`).not.toMatch(/chain np-/)
        }
        // 14 cases x 9 execs (both ports at once)
      }, 1_500_000)

      it('netpol explain names the deciding rule for an allowed and a dropped pair; the drop counter of that policy moves', async () => {
        const docs = [np('x', 'allow-b', {podSelector: only({pod: 'a'}), ingress: [{from: [{podSelector: only({pod: 'b'})}]}]})]
        await applyDocs(docs)
        const ok = await c.run(['netpol', 'explain', 'pod/x/b', 'pod/x/a', '--port', '80'])
        expect(ok.code, ok.stderr).toBe(0)
        expect(ok.stdout).toMatch(/ingress\s+x\/a\s+x\/allow-b\s+x\/allow-b ingress\[0\]\s+allow/)
        const no = await c.run(['netpol', 'explain', 'pod/y/b', 'pod/x/a', '--port', '80', '-o', 'json'])
        expect(no.code).toBe(1)
        expect(JSON.parse(no.stdout)).toMatchObject({allowed: false, ingress: {isolatedBy: ['x/allow-b'], allowed: false, reason: 'no rule of x/allow-b allows it: dropped'}})
        const tr = await c.run(['trace', 'pod/y/b', 'pod/x/a:80', '--probe', '-o', 'json'])
        const r = JSON.parse(tr.stdout)
        const hop = r.hops.find((h: {kind: string}) => h.kind === 'policy')
        expect(hop, tr.stdout).toMatchObject({ok: false, host: 'node1'})
        expect(hop.cause).toContain('x/allow-b')
        expect(hop.probe.seen, JSON.stringify(hop)).toBe(true)
        const good = JSON.parse((await c.run(['trace', 'pod/x/b', 'pod/x/a:80', '--probe', '-o', 'json'])).stdout)
        expect(good.hops.find((h: {kind: string}) => h.kind === 'policy')).toMatchObject({ok: true})
        expect(good.hops.find((h: {kind: string}) => h.kind === 'policy').detail).toContain('x/allow-b ingress[0]')
        expect(good.ok).toBe(true)
        await deleteDocs(docs)
      })
    }

    it('judges the pod behind a ClusterIP and a NodePort (after DNAT)', async () => {
      const docs = [np('x', 'allow-b', {podSelector: only({pod: 'a'}), ingress: [{from: [{podSelector: only({pod: 'b'})}, {ipBlock: {cidr: '192.168.56.1/32'}}]}]})]
      await c.ok(['svc', 'expose', 'pod/a', '-n', 'x', '--port', '80', '--type', 'NodePort', '--node-port', '30080'])
      const svc = await c.json(['svc', 'get', 'a', '-n', 'x'])
      await applyDocs(docs)
      // every other destination is addressed directly; x/a through its ClusterIP
      await check('x/a from x/b only, through its ClusterIP', [80], (s, d) => !isXA(d) || s.key === 'x/b', (d) => (isXA(d) ? `${svc.spec.clusterIP}:80` : `${d.ip}:80`))
      expect(await get(labAddress('node1'), 30080), 'the control machine, allowed by ipBlock, through the NodePort on the pod\'s node').toBe(200)
      await deleteDocs(docs)
      await applyDocs([np('x', 'deny', {podSelector: {}})])
      expect(await get(labAddress('node1'), 30080), 'dropped by deny').toBe(0)
      await deleteDocs([np('x', 'deny', {podSelector: {}})])
      expect(await get(labAddress('node1'), 30080)).toBe(200)
      await c.ok(['svc', 'delete', 'a', '-n', 'x'])
    })
  })
}
