import {describe, expect, it} from 'vitest'
import {dnsStartPlan, dnsStopPlan, dnsUpdatePlan, dnsmasqConf} from '../../src/lib/dns/plan.js'
import {renderDnsRecords} from '../../src/lib/dns/records.js'
import {podDns} from '../../src/lib/dns/resolv.js'
import {describeCreate} from '../../src/lib/pod/runtime.js'
import type {PodSpec} from '../../src/lib/pod/spec.js'
import {fixture, pod, svc} from './dns-fixture.js'
import {emptyState} from '../../src/lib/state/schema.js'

const cluster = {dnsIP: '10.96.0.10', clusterDomain: 'cluster.local'}

describe('cluster DNS records (the Kubernetes DNS specification, as dnsmasq reads it)', () => {
  it('A for ClusterIPs (PTR from the first name), one A per ready pod of a headless service, pod records; SRV for named ports', () => {
    expect(renderDnsRecords(fixture(), 'cluster.local')).toEqual({
      hosts: [
        '# mk8s cluster DNS records (A, and PTR from the first name on a line); written by mk8s',
        '10.96.0.20 web.default.svc.cluster.local',
        // db-2 is Pending: no endpoint; a host-network pod is one, at its node's address (as in Kubernetes), but gets no pod record
        '10.244.2.7 10-244-2-7.db.default.svc.cluster.local db.default.svc.cluster.local',
        '192.168.56.11 192-168-56-11.db.default.svc.cluster.local db.default.svc.cluster.local',
        '10.244.0.5 10-244-0-5.default.pod.cluster.local',
        '10.244.1.3 10-244-1-3.default.pod.cluster.local',
        '10.244.2.7 10-244-2-7.default.pod.cluster.local',
        '',
      ].join('\n'),
      srv: [
        '# mk8s cluster DNS SRV records for named service ports; written by mk8s',
        'srv-host=_http._tcp.web.default.svc.cluster.local,web.default.svc.cluster.local,80,0,100',
        'srv-host=_pg._tcp.db.default.svc.cluster.local,10-244-2-7.db.default.svc.cluster.local,5432,0,50',
        'srv-host=_pg._tcp.db.default.svc.cluster.local,192-168-56-11.db.default.svc.cluster.local,5432,0,50',
        '',
      ].join('\n'),
    })
  })

  it('a headless service without ready pods has no record (NXDOMAIN, since the cluster domain is local only)', () => {
    const s = emptyState()
    s.services['default/hl'] = svc('hl', 'None', {app: 'x'}, [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80}])
    expect(renderDnsRecords(s, 'cluster.local').hosts).not.toContain('hl.default')
    expect(dnsmasqConf(cluster)).toContain('local=/cluster.local/\n')
  })

  it("dnsmasq's configuration: the DNS address only, upstreams from the node's resolv.conf, its own files", () => {
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
        'addn-hosts=/run/mk8s/dns/records.hosts',
        'conf-file=/run/mk8s/dns/srv.conf',
        'pid-file=/run/mk8s/dns/dnsmasq.pid',
        'log-facility=/run/mk8s/dns/dnsmasq.log',
        '',
      ].join('\n'),
    )
  })

  it('start: mk8s-dns0 with the /32, files readable by dnsmasq, then (re)start', () => {
    const plan = dnsStartPlan(cluster, {hosts: 'H\n', srv: 'S\n'})
    expect(plan.slice(0, 4).map((s) => [s.argv, s.unless])).toEqual([
      [['ip', 'link', 'add', 'mk8s-dns0', 'type', 'bridge'], ['ip', 'link', 'show', 'mk8s-dns0']],
      [['ip', 'addr', 'replace', '10.96.0.10/32', 'dev', 'mk8s-dns0'], undefined],
      [['ip', 'link', 'set', 'mk8s-dns0', 'up'], undefined],
      [['install', '-d', '-m', '755', '/run/mk8s', '/run/mk8s/dns'], undefined],
    ])
    expect(plan.slice(4, 7).map((s) => [s.argv.at(-2), s.argv.at(-1), s.stdin])).toEqual([
      ['/run/mk8s/dns/records.hosts', '644', 'H\n'],
      ['/run/mk8s/dns/srv.conf', '644', 'S\n'],
      ['/run/mk8s/dns/dnsmasq.conf', '644', dnsmasqConf(cluster)],
    ])
    expect(plan[7].argv.slice(3)).toEqual(['sh', '/run/mk8s/dns', '10.96.0.10', 'restart'])
  })

  it('update: new files, then SIGHUP for A/PTR changes, a restart for SRV changes', () => {
    expect(dnsUpdatePlan(cluster, {hosts: 'H\n', srv: 'S\n'}, false).at(-1)!.argv.at(-1)).toBe('hup')
    expect(dnsUpdatePlan(cluster, {hosts: 'H\n', srv: 'S\n'}, true).at(-1)!.argv.at(-1)).toBe('restart')
    expect(dnsStopPlan().slice(1).map((s) => s.argv)).toEqual([
      ['rm', '-rf', '/run/mk8s/dns'],
      ['ip', 'link', 'del', 'mk8s-dns0'],
    ])
  })

  it("pods' resolv.conf: the DNS address, the namespace's search path, ndots:5 (Docker's --dns on the pause container)", () => {
    expect(podDns(cluster, 'shop')).toEqual({servers: ['10.96.0.10'], search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5']})
    const p = pod('web', '10.244.0.5', {})
    expect(describeCreate(p, {containers: []} as unknown as PodSpec, podDns(cluster, 'default'))[0]).toBe(
      'docker run -d --name k8s_POD_web_default --network none --dns 10.96.0.10 --dns-search default.svc.cluster.local --dns-search svc.cluster.local --dns-search cluster.local --dns-option ndots:5 mk8s/pause:latest',
    )
  })
})
