import {describe, expect, it} from 'vitest'
import {describeCreate} from '../../src/lib/pod/runtime.js'
import {podIdentity, podResolver} from '../../src/lib/pod/identity.js'
import {parsePodSpec, type PodSpec} from '../../src/lib/pod/spec.js'
import type {PodRecord} from '../../src/lib/state/schema.js'

const cluster = {dnsIP: '10.96.0.10', clusterDomain: 'cluster.local'}
const pod = (spec: Record<string, unknown>, extra: Partial<PodRecord> = {}): PodRecord => ({
  namespace: 'shop', name: 'web-0', uid: 'u', node: 'node1', ip: '10.244.1.7', network: 'pod', labels: {}, phase: 'Pending', containers: [], createdAt: 'x',
  spec: parsePodSpec({containers: [{name: 'app', image: 'mk8s/busybox'}], ...spec}, 'pod shop/web-0'),
  ...extra,
})

describe('pod identity: hostname, /etc/hosts and resolv.conf as kubelet sets them', () => {
  it('a plain pod: its name as hostname, its address named in /etc/hosts, the cluster DNS', () => {
    expect(podIdentity(pod({}), cluster)).toEqual({
      hostname: 'web-0', domainname: undefined, extraHosts: ['web-0:10.244.1.7'],
      dns: {servers: ['10.96.0.10'], search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5']},
    })
  })

  it('hostname, subdomain and hostAliases: the full name first, then the short one, then the aliases', () => {
    const id = podIdentity(pod({hostname: 'db', subdomain: 'dbs', hostAliases: [{ip: '192.168.56.1', hostnames: ['control', 'control.lab']}]}), cluster)
    expect(id.hostname).toBe('db')
    expect(id.domainname).toBe('dbs.shop.svc.cluster.local')
    expect(id.extraHosts).toEqual(['db.dbs.shop.svc.cluster.local:10.244.1.7', 'db:10.244.1.7', 'control:192.168.56.1', 'control.lab:192.168.56.1'])
    expect(describeCreate(pod({}), {containers: []} as unknown as PodSpec, undefined, id)).toEqual([
      "docker run -d --name k8s_POD_web-0_shop --network none --hostname db --domainname dbs.shop.svc.cluster.local --add-host db.dbs.shop.svc.cluster.local:10.244.1.7 --add-host db:10.244.1.7 --add-host control:192.168.56.1 --add-host control.lab:192.168.56.1 --dns 10.96.0.10 --dns-search shop.svc.cluster.local --dns-search svc.cluster.local --dns-search cluster.local --dns-option ndots:5 mk8s/pause:latest",
    ])
  })

  it('dnsPolicy: Default is the node\'s file, None is dnsConfig alone, dnsConfig merges into ClusterFirst', () => {
    const spec = (s: Record<string, unknown>) => pod(s).spec as unknown as PodSpec
    expect(podResolver(spec({dnsPolicy: 'Default'}), cluster, 'shop')).toBeUndefined()
    expect(podResolver(spec({dnsPolicy: 'None', dnsConfig: {nameservers: ['192.168.56.1'], searches: ['lab'], options: [{name: 'ndots', value: '2'}, {name: 'edns0'}]}}), cluster, 'shop')).toEqual({
      servers: ['192.168.56.1'], search: ['lab'], options: ['ndots:2', 'edns0'],
    })
    expect(podResolver(spec({dnsConfig: {nameservers: ['192.168.56.1'], searches: ['lab'], options: [{name: 'ndots', value: '1'}]}}), cluster, 'shop')).toEqual({
      servers: ['10.96.0.10', '192.168.56.1'], search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lab'], options: ['ndots:1'],
    })
  })

  it('hostNetwork pods keep the node\'s name and resolver; only aliases are added', () => {
    expect(podIdentity(pod({hostNetwork: true, hostAliases: [{ip: '192.168.56.1', hostnames: ['control']}]}, {network: 'host', ip: '192.168.56.11'}), cluster)).toEqual({extraHosts: ['control:192.168.56.1']})
  })

  it('refuses what Kubernetes refuses: None without nameservers, a hostname on a hostNetwork pod, ClusterFirstWithHostNet', () => {
    const base = {containers: [{name: 'app', image: 'mk8s/busybox'}]}
    expect(() => parsePodSpec({...base, dnsPolicy: 'None'}, 'pod p')).toThrow('pod p: dnsPolicy None needs spec.dnsConfig.nameservers')
    expect(() => parsePodSpec({...base, hostNetwork: true, hostname: 'x'}, 'pod p')).toThrow("pod p: a hostNetwork pod has the node's hostname and resolv.conf")
    expect(() => parsePodSpec({...base, dnsPolicy: 'ClusterFirstWithHostNet'}, 'pod p')).toThrow('invalid pod spec in pod p: spec.dnsPolicy: must be ClusterFirst, Default or None (mk8s has no ClusterFirstWithHostNet)')
    expect(() => parsePodSpec({...base, hostAliases: [{ip: 'x', hostnames: ['a']}]}, 'pod p')).toThrow('spec.hostAliases[0].ip: must be an IPv4 address')
  })
})
