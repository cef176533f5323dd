import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {dnsBootPlan, dnsStartPlan, dnsStopPlan, dnsUpdatePlan, dnsmasqConf, hostsBundle, parseHostsBundle} from '../../src/lib/dns/plan.js'
import {renderDnsRecords, touchedDnsRecords} from '../../src/lib/dns/records.js'
import {dnsPlanner} from '../../src/lib/dns/node.js'
import {clusterFromOptions} from '../../src/lib/cluster/service.js'
import {podDns} from '../../src/lib/dns/resolv.js'
import {describeCreate} from '../../src/lib/pod/runtime.js'
import type {PodSpec} from '../../src/lib/pod/spec.js'
import {fixture, pod, svc} from './dns-fixture.js'
import {emptyState} from '../../src/lib/state/schema.js'

const cluster = {dnsIP: '10.96.0.10', clusterDomain: 'cluster.local', podCIDR: '10.244.0.0/16'}

describe('cluster DNS records (the Kubernetes DNS specification, as dnsmasq reads them)', () => {
  it('a hosts file per Service: its ClusterIP, or one line per ready endpoint of a headless one; SRV for named ports; pod records synthesized per namespace', () => {
    expect(renderDnsRecords(fixture(), cluster)).toEqual({
      hosts: {
        'web.default': '10.96.0.20 web.default.svc.cluster.local\n',
        // db-2 is Pending: no endpoint; a host-network pod is one, at its node's address (as in Kubernetes)
        'db.default': '10.244.2.7 10-244-2-7.db.default.svc.cluster.local db.default.svc.cluster.local\n192.168.56.11 192-168-56-11.db.default.svc.cluster.local db.default.svc.cluster.local\n',
      },
      conf: [
        '# mk8s cluster DNS records dnsmasq reads when it starts (pod records, SRV, CNAME); written by mk8s',
        'synth-domain=default.pod.cluster.local,10.244.0.0/16',
        'srv-host=_pg._tcp.db.default.svc.cluster.local,10-244-2-7.db.default.svc.cluster.local,5432,0,50',
        'srv-host=_pg._tcp.db.default.svc.cluster.local,192-168-56-11.db.default.svc.cluster.local,5432,0,50',
        'srv-host=_http._tcp.web.default.svc.cluster.local,web.default.svc.cluster.local,80,0,100',
        '',
      ].join('\n'),
    })
  })

  it("a headless endpoint's name is its pod's hostname when the pod's subdomain is the Service (A, PTR and SRV target); otherwise its dashed address", () => {
    const s = fixture()
    s.pods['default/db-1'].spec = {...s.pods['default/db-1'].spec, hostname: 'db-0', subdomain: 'db'}
    s.pods['default/web-1'].spec = {...s.pods['default/web-1'].spec, hostname: 'w', subdomain: 'other'}
    s.namespaces.shop = {name: 'shop', labels: {}, uid: 'u', createdAt: 'x'}
    const r = renderDnsRecords(s, cluster)
    expect(r.hosts['db.default'].split('\n')[0]).toBe('10.244.2.7 db-0.db.default.svc.cluster.local db.default.svc.cluster.local')
    expect(r.conf).toContain('srv-host=_pg._tcp.db.default.svc.cluster.local,db-0.db.default.svc.cluster.local,5432,0,50\n')
    expect(r.conf).toContain('synth-domain=default.pod.cluster.local,10.244.0.0/16\nsynth-domain=shop.pod.cluster.local,10.244.0.0/16\n')
  })

  it('ExternalName: a CNAME and nothing else; publishNotReadyAddresses publishes Running pods not ready; addresses listed by hand keep their hostname', () => {
    const s = fixture()
    s.services['default/ext'] = {...svc('ext', '', {}, []), type: 'ExternalName', externalName: 'db.example.com'}
    s.services['default/alias'] = {...svc('alias', '', {}, []), type: 'ExternalName', externalName: 'web.default.svc.cluster.local'}
    s.pods['default/db-3'] = pod('db-3', '10.244.2.9', {app: 'db'}, {ready: false})
    const r = renderDnsRecords(s, cluster)
    expect(Object.keys(r.hosts).sort()).toEqual(['db.default', 'web.default'])
    expect(r.conf.split('\n').filter((l) => l.startsWith('cname='))).toEqual(['cname=alias.default.svc.cluster.local,web.default.svc.cluster.local', 'cname=ext.default.svc.cluster.local,db.example.com'])
    expect(r.hosts['db.default']).not.toContain('10.244.2.9')
    s.services['default/db'].publishNotReadyAddresses = true
    expect(renderDnsRecords(s, cluster).hosts['db.default']).toContain('10.244.2.9 10-244-2-9.db.default.svc.cluster.local db.default.svc.cluster.local\n')
    // a selectorless headless Service with an Endpoints object: its addresses, by their listed hostname
    s.services['default/ext-db'] = svc('ext-db', 'None', {}, [{name: 'pg', protocol: 'TCP', port: 5432, targetPort: 5432}])
    s.endpoints['default/ext-db'] = {namespace: 'default', name: 'ext-db', uid: 'e', labels: {}, createdAt: 'x', subsets: [{addresses: [{ip: '192.168.56.1', hostname: 'control'}], notReadyAddresses: [], ports: [{name: 'pg', port: 5432, protocol: 'TCP'}]}]} as never
    const e = renderDnsRecords(s, cluster)
    expect(e.hosts['ext-db.default']).toBe('192.168.56.1 control.ext-db.default.svc.cluster.local ext-db.default.svc.cluster.local\n')
    expect(e.conf).toContain('srv-host=_pg._tcp.ext-db.default.svc.cluster.local,control.ext-db.default.svc.cluster.local,5432,0,100\n')
  })

  it('a headless service without ready pods has no record (NXDOMAIN, since the cluster domain is local only)', () => {
    const s = emptyState()
    s.services['default/hl'] = svc('hl', 'None', {app: 'x'}, [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80}])
    expect(renderDnsRecords(s, cluster).hosts).toEqual({})
    expect(dnsmasqConf(cluster)).toContain('local=/cluster.local/\n')
  })

  it("dnsmasq's configuration: the DNS address only, upstreams from the node's resolv.conf, the schema version, its own files", () => {
    expect(dnsmasqConf(cluster)).toBe(
      [
        '# mk8s node-local cluster DNS (dnsmasq); written by mk8s',
        'listen-address=10.96.0.10',
        'bind-interfaces',
        'port=53',
        'no-resolv',
        'no-hosts',
        'conf-file=/run/mk8s/dns/upstream.conf',
        'local=/cluster.local/',
        'bogus-priv',
        'domain-needed',
        'txt-record=dns-version.cluster.local,"1.1.0"',
        'hostsdir=/var/lib/mk8s/dns/hosts.d',
        'conf-file=/var/lib/mk8s/dns/records.conf',
        'pid-file=/run/mk8s/dns/dnsmasq.pid',
        'log-facility=/run/mk8s/dns/dnsmasq.log',
        '',
      ].join('\n'),
    )
  })

  it('start: mk8s-dns0 with the /32, the records afresh on disk (every hosts file in one stream), then (re)start from /run', () => {
    const plan = dnsStartPlan(cluster, {hosts: {'a.default': 'A\n', 'b.default': 'B\n'}, conf: 'C\n'})
    expect(plan.slice(0, 6).map((s) => [s.argv, s.unless])).toEqual([
      [['ip', 'link', 'add', 'mk8s-dns0', 'type', 'bridge'], ['ip', 'link', 'show', 'mk8s-dns0']],
      [['ip', 'addr', 'replace', '10.96.0.10/32', 'dev', 'mk8s-dns0'], undefined],
      [['ip', 'link', 'set', 'mk8s-dns0', 'up'], undefined],
      [['install', '-d', '-m', '755', '/var/lib/mk8s', '/var/lib/mk8s/dns'], undefined],
      [['rm', '-rf', '/var/lib/mk8s/dns/hosts.d'], undefined],
      [['install', '-d', '-m', '755', '/var/lib/mk8s/dns/hosts.d'], undefined],
    ])
    expect([plan[6].argv.slice(3), plan[6].stdin]).toEqual([['sh', '/var/lib/mk8s/dns/hosts.d'], '@@ a.default\nA\n@@ b.default\nB\n'])
    expect(plan[7].argv.slice(-2).concat(plan[7].stdin!)).toEqual(['/var/lib/mk8s/dns/records.conf', '644', 'C\n'])
    expect(plan[8].argv).toEqual(['install', '-d', '-m', '755', '/run/mk8s', '/run/mk8s/dns'])
    expect(plan[9].argv.slice(-2).concat(plan[9].stdin!)).toEqual(['/run/mk8s/dns/dnsmasq.conf', '644', dnsmasqConf(cluster)])
    expect(plan[10].argv.slice(3)).toEqual(['sh', '/run/mk8s/dns', '10.96.0.10'])
    expect(plan).toHaveLength(11)
  })

  it('boot: the records are on disk; only the device, the configuration in /run and dnsmasq come back', () => {
    const start = dnsStartPlan(cluster, {hosts: {'a.default': 'A\n'}, conf: 'C\n'})
    expect(dnsBootPlan(cluster)).toEqual([...start.slice(0, 3), ...start.slice(8)])
  })

  it('update: only the files that changed written and those gone removed (dnsmasq reads them by itself); a restart only when SRV or pod records changed', () => {
    const before = {hosts: {'a.default': 'A\n', 'b.default': 'B\n', 'c.default': 'C\n'}, conf: 'X\n'}
    const after = {hosts: {'a.default': 'A\n', 'b.default': 'B2\n', 'd.default': 'D\n'}, conf: 'X\n'}
    const plan = dnsUpdatePlan(cluster, before, after)
    expect(plan.map((s) => [s.argv.slice(3), s.stdin])).toEqual([[['sh', '/var/lib/mk8s/dns/hosts.d', 'c.default'], '@@ b.default\nB2\n@@ d.default\nD\n']])
    expect(dnsUpdatePlan(cluster, before, before)).toEqual([])
    const conf = dnsUpdatePlan(cluster, before, {...before, conf: 'Y\n'})
    expect(conf.map((s) => s.argv.at(-1))).toEqual(['644', '10.96.0.10'])
    expect(dnsStopPlan().slice(1).map((s) => s.argv)).toEqual([
      ['rm', '-rf', '/run/mk8s/dns', '/var/lib/mk8s/dns'],
      ['ip', 'link', 'del', 'mk8s-dns0'],
    ])
  })

  it("the hosts step run by a real sh and awk: files written whole, removed ones gone, a removal alone (an empty stream) fine", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mk8s-hostsd-'))
    const runStep = (plan: ReturnType<typeof dnsUpdatePlan>) => {
      const [cmd, ...args] = plan[0].argv.map((a) => (a === '/var/lib/mk8s/dns/hosts.d' ? dir : String(a)))
      execFileSync(cmd, args, {input: plan[0].stdin ?? '\n'})
    }
    const files = (): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]))
    writeFileSync(join(dir, 'old.default'), 'stale\n')
    const empty = {hosts: {}, conf: ''}
    runStep(dnsUpdatePlan(cluster, {hosts: {'old.default': 'stale\n'}, conf: ''}, {hosts: {'a.default': '10.96.0.1 a\n', 'b.x': '10.244.0.5 p.b\n10.244.1.5 q.b\n'}, conf: ''}))
    expect(files()).toEqual({'a.default': '10.96.0.1 a\n', 'b.x': '10.244.0.5 p.b\n10.244.1.5 q.b\n'})
    runStep(dnsUpdatePlan(cluster, {hosts: files(), conf: ''}, {hosts: {'a.default': '10.96.0.1 a\n'}, conf: ''}))
    expect(files()).toEqual({'a.default': '10.96.0.1 a\n'})
    runStep(dnsUpdatePlan(cluster, {hosts: files(), conf: ''}, empty))
    expect(files()).toEqual({})
  })

  it('the hosts stream reads back into its files (what doctor reads of the folder)', () => {
    const files = {'a.default': '1.2.3.4 a\n5.6.7.8 a\n', 'b.x': '9.9.9.9 b\n'}
    expect(parseHostsBundle(hostsBundle(files))).toEqual(files)
  })

  it("pods' resolv.conf: the DNS address, the namespace's search path, ndots:5 (Docker's --dns on the pause container)", () => {
    expect(podDns(cluster, 'shop')).toEqual({servers: ['10.96.0.10'], search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5']})
    const p = pod('web', '10.244.0.5', {})
    expect(describeCreate(p, {containers: []} as unknown as PodSpec, podDns(cluster, 'default'))[0]).toBe(
      'docker run -d --name k8s_POD_web_default --network none --dns 10.96.0.10 --dns-search default.svc.cluster.local --dns-search svc.cluster.local --dns-search cluster.local --dns-option ndots:5 mk8s/pause:latest',
    )
  })
})

describe('the DNS planner on a change: only what the change touched, the same plan as comparing every record', () => {
  const cluster = {dnsIP: '10.96.0.10', clusterDomain: 'cluster.local', podCIDR: '10.244.0.0/16'} as const
  const withCluster = (s: ReturnType<typeof fixture>) => {
    s.cluster = clusterFromOptions({}, 'x')
    s.nodes = {node1: {name: 'node1', target: {kind: 'ssh', user: 'root', host: '192.168.56.11', port: 22}, podCIDR: '10.244.0.0/24', iface: 'eth0', address: '192.168.56.11', mtu: 1500, ready: true, joinedAt: 'x'}}
    return s
  }
  const changes: Record<string, (s: ReturnType<typeof fixture>) => void> = {
    'a ClusterIP service added': (s) => void (s.services['default/new'] = svc('new', '10.96.0.30', {app: 'web'}, [{protocol: 'TCP', port: 80, targetPort: 80}])),
    'a named port added (an SRV line)': (s) => void s.services['default/web'].ports.push({name: 'admin', protocol: 'TCP', port: 81, targetPort: 81}),
    'a headless service loses a pod': (s) => void delete s.pods['default/db-1'],
    'a pending pod becomes ready': (s) => void (s.pods['default/db-2'].phase = 'Running'),
    'a service removed': (s) => void delete s.services['default/web'],
    'an ExternalName added': (s) => void (s.services['default/ext'] = {...svc('ext', '', {}, []), type: 'ExternalName', externalName: 'db.example.org'}),
    'a pod in a new namespace (pod records)': (s) => void (s.pods['team/p'] = {...pod('p', '10.244.0.9', {}), namespace: 'team'}),
    'nothing': () => {},
  }
  for (const [what, change] of Object.entries(changes)) {
    it(what, () => {
      const before = withCluster(fixture())
      const after = structuredClone(before)
      change(after)
      const node = after.nodes.node1
      const whole = dnsUpdatePlan(cluster, renderDnsRecords(before, before.cluster!), renderDnsRecords(after, after.cluster!))
      expect(dnsPlanner({before, after, node, leaving: false})).toEqual(whole)
      expect(whole.length > 0).toBe(what !== 'nothing')
    })
  }

  it('a service without named ports, added or removed, leaves the conf alone: it is not rendered at all', () => {
    const before = withCluster(fixture())
    const after = structuredClone(before)
    changes['a ClusterIP service added'](after)
    for (const [b, a] of [[before, after], [after, before]]) {
      const part = touchedDnsRecords(b, a, cluster, ['default/new'])
      expect([part.before.conf, part.after.conf]).toEqual(['', ''])
    }
    const named = structuredClone(before)
    changes['a named port added (an SRV line)'](named)
    expect(touchedDnsRecords(before, named, cluster, ['default/web']).after.conf).toContain('srv-host=_admin._tcp.web.default.svc.cluster.local')
  })
})
