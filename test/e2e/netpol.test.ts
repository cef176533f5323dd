import http from 'node:http'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {shellJoin} from '../../src/lib/host/quote.js'
import {inPodNetns} from '../../src/lib/trace/probe.js'
import {LAB_NODES, TestCluster, labAddress} from './helpers.js'

/**
 * NetworkPolicy, by the upstream conformance method: namespaces x, y, z with pods a, b, c each,
 * spread over the three nodes; every case probes all 81 pairs with real TCP connections and real
 * UDP datagrams (an echo must come back) on ports 80 and 81, and compares each of the four
 * matrices with the one written by hand for that case.
 *
 * The probes run from each pod's node inside the pod's network namespace (the helper trace --probe
 * uses: busybox has no UDP client, nor any UDP server), one script per node for all its source
 * pods, the three nodes at once. Every probe of a case starts together, so a case waits for one
 * timeout however many of its pairs are dropped; a pair that differs from the expected matrix is
 * probed once more with a longer timeout before it counts.
 */
const NS = ['x', 'y', 'z'] as const
const PODS = ['a', 'b', 'c'] as const
const PLACE: Record<string, string> = {'x/a': 'node1', 'x/b': 'node2', 'x/c': 'node3', 'y/a': 'node2', 'y/b': 'node3', 'y/c': 'node1', 'z/a': 'node3', 'z/b': 'node1', 'z/c': 'node2'}

type Proto = 'tcp' | 'udp'
interface Probe {
  proto: Proto
  port: number
}
const ALL: Probe[] = [{proto: 'tcp', port: 80}, {proto: 'tcp', port: 81}, {proto: 'udp', port: 80}, {proto: 'udp', port: 81}]
const label = (p: Probe) => `${p.proto.toUpperCase()} ${p.port}`

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
    containers: [{
      name: 'srv', image: 'mk8s/busybox', command: ['sh', '-c', 'httpd -p 81 -h /etc && exec httpd -f -p 80 -h /etc'],
      ports: [{name: 'serve-80', containerPort: 80}, {name: 'serve-81', containerPort: 81}, {name: 'dgram-81', containerPort: 81, protocol: 'UDP'}],
    }],
  },
})

/**
 * The UDP echo server of a pod, on 80 and 81: the node's perl (perl-base is in every Debian) in the
 * pod's network namespace, with builtins only, bounded by timeout so that nothing outlives a run.
 */
const UDP_ECHO = 'for my $p (@ARGV) { next if fork; socket(my $s, 2, 2, 17) or die "socket: $!"; bind($s, pack("S n x12", 2, $p)) or die "bind $p: $!"; '
  + 'while (defined(my $peer = recv($s, my $m, 512, 0))) { send($s, "mk8s-echo $p\\n", 0, $peer) } exit } 1 while wait != -1'

/** Stop those pids (each a timeout over an echo server: it stops the server too) and wait until they are gone or zombies. */
const STOP_ECHOES = `kill "$@" 2>/dev/null
for p; do i=0; while [ -e "/proc/$p" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; done`

/**
 * $1 the source's name, $2 the timeout in seconds, then every target "proto:ip:port" at once, each
 * in a subshell of this one bash (no process per probe). TCP: a connection; UDP: one datagram, and
 * a byte of its echo read back. Prints "source target 1|0"; a connection still pending at the
 * timeout is killed and prints nothing (the caller takes it as not reached).
 */
const PROBE = `k=$1 w=$2; shift 2; pids=
for t; do
  { p=\${t%%:*} a=\${t#*:}
    if [ "$p" = udp ]; then exec 3<>"/dev/udp/\${a%:*}/\${a##*:}" && echo mk8s >&3 && read -r -t "$w" -n 1 r <&3
    else exec 3<>"/dev/tcp/\${a%:*}/\${a##*:}"; fi 2>/dev/null && echo "$k $t 1" || echo "$k $t 0"; } &
  pids="$pids $!"
done
( sleep "$w"; kill $pids ) >/dev/null 2>&1 & wd=$!
wait $pids; kill $wd 2>/dev/null; exit 0`

interface Doc {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace: string}
  spec: object
}
const np = (ns: string, name: string, spec: object): Doc => ({apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: {name, namespace: ns}, spec})

/**
 * A case's policies named by their slot in each namespace (case-0, case-1): the next case's
 * policies replace these in place (one apply, a policy changed where it stands), and only those
 * it has no more are deleted.
 */
function slotted(docs: Doc[]): Doc[] {
  const n = new Map<string, number>()
  return docs.map((d) => {
    const i = n.get(d.metadata.namespace) ?? 0
    n.set(d.metadata.namespace, i + 1)
    return {...d, metadata: {...d.metadata, name: `case-${i}`}}
  })
}
const sameDoc = (a: Doc, b: Doc) => a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name
const only = (labels: Record<string, string>) => ({matchLabels: labels})
const nsIs = (ns: string) => ({matchLabels: {'kubernetes.io/metadata.name': ns}})

interface Case {
  name: string
  policies: Doc[]
  /** by hand: may s reach d with this protocol on this port? (a pod reaching itself is always allowed) */
  expect: (s: P, d: P, p: Probe) => boolean
}

const isXA = (d: P) => d.key === 'x/a'
const tcpOn = (p: Probe, port: number) => p.proto === 'tcp' && p.port === port

function cases(node1CIDR: string): Case[] {
  return [
    {name: 'no policy: everything reaches everything', policies: [], expect: () => true},
    {name: 'deny all ingress in x (empty podSelector): TCP and UDP alike', policies: [np('x', 'deny', {podSelector: {}})], expect: (s, d) => d.ns !== 'x'},
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
    // a port without protocol is TCP: UDP to x/a is dropped, on 81 too
    {name: 'x/a on port 81 only (number, protocol defaults to TCP)', policies: [np('x', 'p81', {podSelector: only({pod: 'a'}), ingress: [{ports: [{port: 81}]}]})], expect: (s, d, p) => !isXA(d) || tcpOn(p, 81)},
    {name: 'x/a on port serve-81 only (named port)', policies: [np('x', 'named', {podSelector: only({pod: 'a'}), ingress: [{ports: [{protocol: 'TCP', port: 'serve-81'}]}]})], expect: (s, d, p) => !isXA(d) || tcpOn(p, 81)},
    {
      name: 'x/a on UDP 80 and TCP 81 only: the protocol decides, not the port',
      policies: [np('x', 'proto', {podSelector: only({pod: 'a'}), ingress: [{ports: [{protocol: 'UDP', port: 80}, {protocol: 'TCP', port: 81}]}]})],
      expect: (s, d, p) => !isXA(d) || (p.proto === 'udp' && p.port === 80) || tcpOn(p, 81),
    },
    {name: 'x/a on UDP port dgram-81 only (a named UDP port)', policies: [np('x', 'named-udp', {podSelector: only({pod: 'a'}), ingress: [{ports: [{protocol: 'UDP', port: 'dgram-81'}]}]})], expect: (s, d, p) => !isXA(d) || (p.proto === 'udp' && p.port === 81)},
    {name: 'x/a on ports 79-80 (endPort)', policies: [np('x', 'range', {podSelector: only({pod: 'a'}), ingress: [{ports: [{port: 79, endPort: 80}]}]})], expect: (s, d, p) => !isXA(d) || tcpOn(p, 80)},
    {name: 'deny all egress in y (policyTypes Egress): TCP and UDP alike', policies: [np('y', 'no-egress', {podSelector: {}, policyTypes: ['Egress']})], expect: (s) => s.ns !== 'y'},
    {
      // no policyTypes: Ingress is always one, Egress because there are egress rules, so y/a is
      // isolated for ingress too, with no ingress rule: nothing reaches it (the spec's default)
      name: 'y/a may only reach namespace z on TCP 80 (egress rule with peer and port), and nothing reaches it (policyTypes defaults to Ingress too)',
      policies: [np('y', 'to-z', {podSelector: only({pod: 'a'}), egress: [{to: [{namespaceSelector: nsIs('z')}], ports: [{port: 80}]}]})],
      expect: (s, d, p) => (s.key !== 'y/a' || (d.ns === 'z' && tcpOn(p, 80))) && d.key !== 'y/a',
    },
    {
      name: 'egress of x/b and ingress of z/c both judged: x/b reaches z/c only when both allow',
      policies: [
        np('x', 'b-out', {podSelector: only({pod: 'b'}), policyTypes: ['Egress'], egress: [{to: [{namespaceSelector: nsIs('z')}]}]}),
        np('z', 'c-in', {podSelector: only({pod: 'c'}), ingress: [{from: [{namespaceSelector: nsIs('x'), podSelector: only({pod: 'b'})}], ports: [{port: 81}]}]}),
      ],
      expect: (s, d, p) => (s.key !== 'x/b' || d.ns === 'z') && (d.key !== 'z/c' || (s.key === 'x/b' && tcpOn(p, 81))),
    },
  ]
}

/** An HTTP GET's status, 0 when nothing answers within the timeout (an expected drop waits a shorter one). */
function get(host: string, port: number, timeout = 2500): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({host, port, path: '/passwd', timeout}, (res) => {
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
    /** what the probe scripts said on stderr (a pod whose namespace could not be entered), for a failing matrix */
    const probeErrors: string[] = []
    /** per node, the pids of the UDP echo servers started there */
    const echoes = new Map<string, string[]>()

    /** The script that runs, on one node, every pod's probes given, all at once (one SSH session). */
    const onePerNode = (jobs: Array<{pod: P; argv: string[]}>) => `${jobs.map((j) => `${shellJoin(inPodNetns({namespace: j.pod.ns, name: j.pod.pod}, j.argv))} &`).join('\n')}\nwait`

    /**
     * Probe these pairs ("s>d" keys with their target address per probe), one script per node for
     * all its source pods, the nodes at once. Returns "s>d proto:port" -> reached.
     */
    async function probe(pairs: Array<{s: P; d: P; p: Probe; target: string}>, timeout: number): Promise<Map<string, boolean>> {
      const got = new Map(pairs.map((x) => [`${x.s.key}>${x.d.key} ${label(x.p)}`, false]))
      await Promise.all(
        LAB_NODES.map(async (node) => {
          const jobs = pods.filter((s) => s.node === node).map((s) => ({pod: s, argv: ['bash', '-c', PROBE, 'bash', s.key, String(timeout), ...new Set(pairs.filter((x) => x.s === s).map((x) => x.target))]})).filter((j) => j.argv.length > 6)
          if (!jobs.length) return
          const r = await c.onNode(node, ['sh', '-c', onePerNode(jobs)])
          if (r.code !== 0) throw new Error(`the probes on ${node} failed (exit ${r.code}): ${r.stderr}`)
          if (r.stderr.trim()) probeErrors.push(`${node}: ${r.stderr.trim()}`)
          for (const l of r.stdout.trim().split('\n')) {
            const [src, target, ok] = l.trim().split(' ')
            for (const x of pairs) if (x.s.key === src && x.target === target) got.set(`${x.s.key}>${x.d.key} ${label(x.p)}`, ok === '1')
          }
        }),
      )
      return got
    }

    /** The matrix as a table: rows are sources, columns destinations; "." reached, "X" not, "!" where it differs from the expected. */
    function table(got: Map<string, boolean>, p: Probe, want: (s: P, d: P) => boolean): {text: string; wrong: number} {
      let wrong = 0
      const lines = [`     ${pods.map((d) => d.key.padEnd(4)).join('')}`]
      for (const s of pods) {
        let line = s.key.padEnd(5)
        for (const d of pods) {
          const g = got.get(`${s.key}>${d.key} ${label(p)}`) ?? false
          const w = s.key === d.key || want(s, d)
          if (g !== w) wrong++
          line += `${g ? '.' : 'X'}${g !== w ? '!' : ' '}`.padEnd(4)
        }
        lines.push(line)
      }
      return {text: lines.join('\n'), wrong}
    }

    /**
     * Every probe's matrix against the expected one, probed together with a short timeout (a
     * dropped packet costs it once for the whole case); the pairs that differ once more with a
     * long one, so that a slow answer under load is not taken for a drop.
     */
    async function check(name: string, probes: Probe[], want: (s: P, d: P, p: Probe) => boolean, dst: (d: P, p: Probe) => string = (d, p) => `${d.ip}:${p.port}`) {
      const pairs = probes.flatMap((p) => pods.flatMap((s) => pods.map((d) => ({s, d, p, target: `${p.proto}:${dst(d, p)}`}))))
      const key = (x: (typeof pairs)[number]) => `${x.s.key}>${x.d.key} ${label(x.p)}`
      const ok = (x: (typeof pairs)[number]) => x.s.key === x.d.key || want(x.s, x.d, x.p)
      probeErrors.length = 0
      const got = await probe(pairs, 1)
      const again = pairs.filter((x) => got.get(key(x)) !== ok(x))
      // seen in a run's output: how often the short timeout was not enough
      if (again.length) console.log(`${name}: ${again.length} pairs differed from the expected matrix on the first probe, probed again with a longer timeout`)
      if (again.length) for (const [k, v] of await probe(again, 4)) got.set(k, v)
      for (const p of probes) {
        const t = table(got, p, (s, d) => want(s, d, p))
        expect(t.wrong, `${name}, ${label(p)}: ${t.wrong} pairs differ from the expected matrix ("!"; "." reached, "X" not)\n${t.text}${probeErrors.length ? `\nthe probes said: ${probeErrors.join('\n')}` : ''}`).toBe(0)
      }
    }

    const applyDocs = (docs: object[]) => c.ok(['apply', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'List', items: docs})})
    const deleteDocs = (docs: object[]) => c.ok(['delete', '-f', '-'], {input: JSON.stringify({apiVersion: 'v1', kind: 'List', items: docs})})

    /** Stop the UDP echo servers of this run, by their pids, and wait until they are gone (they hold the pods' namespaces). */
    async function stopEchoes() {
      await Promise.all(
        [...echoes].map(async ([node, pids]) => {
          if (pids.length) await c.onNode(node, ['sh', '-c', STOP_ECHOES, 'sh', ...pids])
        }),
      )
      echoes.clear()
    }

    beforeAll(async () => {
      await c.up(['--proxy-mode', mode])
      await applyDocs(NS.flatMap((ns) => PODS.map((p) => podManifest(ns, p))))
      const list = (await c.json(['pod', 'list', '-A'])).items as Array<{metadata: {name: string; namespace: string}; spec: {nodeName: string}; status: {podIP: string}}>
      pods = list.map((p) => ({ns: p.metadata.namespace, pod: p.metadata.name, key: `${p.metadata.namespace}/${p.metadata.name}`, node: p.spec.nodeName, ip: p.status.podIP})).sort((a, b) => a.key.localeCompare(b.key))
      expect(pods.map((p) => `${p.key}@${p.node}`)).toEqual(Object.entries(PLACE).sort().map(([k, n]) => `${k}@${n}`))
      node1CIDR = (await c.json(['node', 'get', 'node1'])).spec.podCIDR
      // each pod's UDP echo server, started from its node; the pids printed are those of timeout
      await Promise.all(
        LAB_NODES.map(async (node) => {
          const here = pods.filter((s) => s.node === node)
          const script = here.map((s) => `${shellJoin(inPodNetns({namespace: s.ns, name: s.pod}, ['timeout', '1800', 'perl', '-e', UDP_ECHO, '80', '81']))} </dev/null >/dev/null 2>&1 &\necho $!`).join('\n')
          const r = await c.onNode(node, ['sh', '-c', script])
          expect(r.code, r.stderr).toBe(0)
          echoes.set(node, r.stdout.trim().split('\n'))
        }),
      )
      // the servers start after their containers: wait until every pod answers on every probe
      for (let i = 0; i < 20; i++) {
        const got = await probe(ALL.flatMap((p) => pods.flatMap((s) => pods.map((d) => ({s, d, p, target: `${p.proto}:${d.ip}:${p.port}`})))), 2)
        if (got.size === 81 * ALL.length && [...got.values()].every(Boolean)) break
        await new Promise((r) => setTimeout(r, 500))
      }
    })

    afterAll(async () => {
      await stopEchoes()
      await c.down()
      for (const n of LAB_NODES) expect((await c.onNode(n, ['nft', 'list', 'table', 'inet', 'mk8s-netpol'])).code, `${n} still has the table`).not.toBe(0)
    })

    if (mode === 'iptables') {
      it('matches the expected 81-pair matrices, TCP and UDP on ports 80 and 81, for every case', async () => {
        let live: Doc[] = []
        try {
          for (const k of cases(node1CIDR)) {
            const next = slotted(k.policies)
            if (next.length) await applyDocs(next)
            const gone = live.filter((d) => !next.some((x) => sameDoc(x, d)))
            if (gone.length) await deleteDocs(gone)
            live = next
            await check(k.name, ALL, k.expect)
          }
        } finally {
          // a failed case leaves no policy behind for the next tests
          if (live.length) await deleteDocs(live)
        }
        for (const n of LAB_NODES) {
          const t = (await c.onNode(n, ['nft', 'list', 'table', 'inet', 'mk8s-netpol'])).stdout
          expect(t, `${n}: no policy chain left after the last delete`).not.toMatch(/chain np-/)
        }
      }, 1_500_000)

      it('netpol explain names the deciding rule for an allowed and a dropped pair, TCP and UDP; the drop counter of that policy moves', async () => {
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
        // the protocol in the rule: UDP 80 from anyone besides x/allow-b; UDP 81 is still dropped
        const udp = [np('x', 'udp-80', {podSelector: only({pod: 'a'}), ingress: [{ports: [{protocol: 'UDP', port: 80}]}]})]
        await applyDocs(udp)
        const u80 = await c.run(['netpol', 'explain', 'pod/y/b', 'pod/x/a', '--port', '80', '--protocol', 'UDP'])
        expect(u80.code, u80.stderr).toBe(0)
        expect(u80.stdout).toMatch(/ingress\s+x\/a\s+x\/allow-b, x\/udp-80\s+x\/udp-80 ingress\[0\]\s+allow/)
        const u81 = JSON.parse((await c.run(['netpol', 'explain', 'pod/y/b', 'pod/x/a', '--port', '81', '--protocol', 'UDP', '-o', 'json'])).stdout)
        expect(u81).toMatchObject({allowed: false, protocol: 'UDP', ingress: {isolatedBy: ['x/allow-b', 'x/udp-80'], reason: 'no rule of x/allow-b, x/udp-80 allows it: dropped'}})
        const ut = JSON.parse((await c.run(['trace', 'pod/y/b', 'pod/x/a:81/udp', '--probe', '-o', 'json'])).stdout)
        expect(ut.protocol).toBe('udp/81')
        const uhop = ut.hops.find((h: {kind: string}) => h.kind === 'policy')
        expect(uhop, JSON.stringify(ut)).toMatchObject({ok: false, host: 'node1'})
        expect(uhop.cause).toContain('x/udp-80')
        expect(uhop.probe.seen, JSON.stringify(uhop)).toBe(true)
        // the allowed one without --probe: the hop is the same, the probe's cost is not worth a second time
        const ug = JSON.parse((await c.run(['trace', 'pod/y/b', 'pod/x/a:80/udp', '-o', 'json'])).stdout)
        expect(ug.hops.find((h: {kind: string}) => h.kind === 'policy').detail, JSON.stringify(ug)).toContain('allowed by x/udp-80 ingress[0]')
        expect(ug.ok, JSON.stringify(ug.broken)).toBe(true)
        await deleteDocs([...docs, ...udp])
      })
    }

    it('judges the pod behind a ClusterIP and a NodePort (after DNAT)', async () => {
      const docs = [np('x', 'allow-b', {podSelector: only({pod: 'a'}), ingress: [{from: [{podSelector: only({pod: 'b'})}, {ipBlock: {cidr: '192.168.56.1/32'}}]}]})]
      await c.ok(['svc', 'expose', 'pod/a', '-n', 'x', '--port', '80', '--type', 'NodePort', '--node-port', '30080'])
      const svc = await c.json(['svc', 'get', 'a', '-n', 'x'])
      await applyDocs(docs)
      // every other destination is addressed directly; x/a through its ClusterIP
      await check('x/a from x/b only, through its ClusterIP', [{proto: 'tcp', port: 80}], (s, d) => !isXA(d) || s.key === 'x/b', (d) => (isXA(d) ? `${svc.spec.clusterIP}:80` : `${d.ip}:80`))
      expect(await get(labAddress('node1'), 30080), 'the control machine, allowed by ipBlock, through the NodePort on the pod\'s node').toBe(200)
      await deleteDocs(docs)
      await applyDocs([np('x', 'deny', {podSelector: {}})])
      expect(await get(labAddress('node1'), 30080, 1000), 'dropped by deny').toBe(0)
      await deleteDocs([np('x', 'deny', {podSelector: {}})])
      expect(await get(labAddress('node1'), 30080)).toBe(200)
      await c.ok(['svc', 'delete', 'a', '-n', 'x'])
    })
  })
}
