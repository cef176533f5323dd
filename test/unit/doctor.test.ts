import {PodSpecSchema} from '../../src/lib/pod/spec.js'
import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {renderStep} from '../../src/lib/host/plan.js'
import {CHECKS} from '../../src/lib/doctor/checks/index.js'
import {bootChecks} from '../../src/lib/boot/check.js'
import {egressPlan} from '../../src/lib/overlay/egress.js'
import {peerPlan, vtepMac} from '../../src/lib/overlay/plan.js'
import type {Finding, Inputs} from '../../src/lib/doctor/model.js'
import {parseDocker, parseExtras, type ContainerInfo, type DockerFacts, type NodeExtras} from '../../src/lib/doctor/reads.js'
import {parseIptablesSave} from '../../src/lib/trace/iptables.js'
import {clusterState, factsOf, pod, RULES, web} from './trace-hosts.js'
import {conntrackChecks, serviceChainChecks, serviceTableChecks} from '../../src/lib/doctor/checks/services.js'
import {nftFixtureState} from './host-fixtures.js'
import {doctorExtraReads} from '../../src/lib/doctor/service.js'
import {factReads, readPlan} from '../../src/lib/trace/facts.js'
import {iptablesFullRestore} from '../../src/lib/svc/iptables.plan.js'
import {fullServicesPlan, serviceFragment} from '../../src/lib/svc/sync.js'
import {renderDnsRecords} from '../../src/lib/dns/records.js'
import {hostPortRestore} from '../../src/lib/hostport/plan.js'
import {bootScript} from '../../src/lib/boot/plan.js'
import {bootParts} from '../../src/lib/pipeline/plan.js'
import {AREA_ORDER} from '../../src/lib/pipeline/types.js'
import {expectedServicesFiles} from '../../src/lib/svc/sync.js'

const state = clusterState([pod('a', 'node1', '10.244.0.5'), pod('b', 'node2', '10.244.1.5')])
const ctr = (name: string, labels: Record<string, string>, extra: Partial<ContainerInfo> = {}): ContainerInfo => ({id: `${name}-0123456789abcdef`, name, running: true, status: 'running', exitCode: 0, pid: 1, labels, ...extra})
const podCtrs = (p: string, uid = `uid-${p}`) => [
  ctr(`k8s_POD_${p}_default`, {'io.mk8s.pod': `default/${p}`, 'io.mk8s.uid': uid, 'io.mk8s.container': 'POD'}, {netns: `net:[40${p.charCodeAt(0)}]`}),
  ctr(`k8s_main_${p}_default`, {'io.mk8s.pod': `default/${p}`, 'io.mk8s.uid': uid, 'io.mk8s.container': 'main'}, {netns: `net:[40${p.charCodeAt(0)}]`}),
]
const healthyDocker = (): Map<string, DockerFacts> => new Map([['node1', {containers: podCtrs('a'), networks: [{name: 'bridge', subnets: ['172.17.0.0/16']}]}], ['node2', {containers: podCtrs('b'), networks: []}]])
const extras = (): Map<string, NodeExtras> => new Map(['node1', 'node2'].map((n) => [n, {backends: {legacy: 0, nft: 40}, netns: [], conntrack: []}]))

function run(change: (i: Inputs & {facts: ReturnType<typeof factsOf>; docker: ReturnType<typeof healthyDocker>}) => void = () => {}): Finding[] {
  const i = {state: structuredClone(state), facts: factsOf(state), docker: healthyDocker(), extras: extras()}
  change(i)
  return [...CHECKS, bootChecks].filter((c) => c !== serviceChainChecks && c !== serviceTableChecks && c !== conntrackChecks).flatMap((c) => c(i)).filter((f) => f.severity !== 'info')
}
const ids = (fs: Finding[]) => fs.map((f) => `${f.node}:${f.id}:${f.object}`)
const cmds = (f: Finding) => f.plan?.map(renderStep)

describe('doctor checks', () => {
  it('a healthy cluster: no findings', () => {
    expect(run()).toEqual([])
  })

  it('ip_forward off and br_netfilter missing: safe sysctl and modprobe fixes', () => {
    const fs = run(({facts}) => {
      facts.get('node1')!.sysctl = {'net.ipv4.ip_forward': '0'}
    })
    expect(ids(fs)).toEqual(['node1:ip-forward-off:net.ipv4.ip_forward', 'node1:br-netfilter-missing:br_netfilter'])
    expect(fs.map(cmds)).toEqual([['sysctl -w net.ipv4.ip_forward=1'], ['modprobe br_netfilter', 'sysctl -w net.bridge.bridge-nf-call-iptables=1']])
  })

  it('FORWARD policy DROP without the accept rules, masquerade gone, VXLAN port dropped', () => {
    const text = RULES.replace(/^.*-A FORWARD -j MK8S-FORWARD\n/m, '').replace(/^.*-A POSTROUTING -j MK8S-POSTROUTING\n/m, '').replace('-s 192.168.56.66/32 -p udp', '-s 192.168.56.12/32 -p udp')
    const fs = run(({facts}) => {
      facts.get('node1')!.iptables = parseIptablesSave(text)
    })
    expect(ids(fs)).toEqual(['node1:forward-drop:filter FORWARD', 'node1:masquerade-missing:nat POSTROUTING', 'node1:vxlan-port-blocked:udp/8472'])
    expect(fs[0].evidence).toBe('a packet 10.244.0.2 -> 10.244.1.2 meets policy DROP (no rule accepts pod traffic)')
    expect(fs[2].fix).toBe('delete that rule: iptables -t filter -D INPUT 3')
    expect(fs.map((f) => f.safe)).toEqual([true, true, false])
    expect(cmds(fs[0])).toEqual(egressPlan(state.cluster!).map(renderStep))
  })

  it('a deleted peer route, a stale ARP entry, a missing FDB entry, and entries for a node that left', () => {
    const fs = run(({facts}) => {
      const f = facts.get('node1')!
      f.routes = f.routes.filter((r) => r.dst !== '10.244.1.0/24')
      f.routes.push({dst: '10.244.7.0/24', gateway: '10.244.7.0', dev: 'flannel.1', onlink: true})
      f.neigh = [{ip: '10.244.1.0', mac: '0e:00:00:00:00:09', state: ['PERMANENT']}]
      f.fdb = []
    })
    expect(ids(fs)).toEqual(['node1:route-missing:route 10.244.1.0/24', 'node1:arp-stale:neigh 10.244.1.0', 'node1:fdb-missing:fdb 0e:00:00:00:00:02', 'node1:stale-route:route 10.244.7.0/24'])
    const peer = peerPlan(state.cluster!, state.nodes.node1, state.nodes.node2).map(renderStep)
    expect(peer).toEqual([
      'ip route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink',
      `ip neigh replace 10.244.1.0 lladdr ${vtepMac('10.244.1.0/24')} dev flannel.1 nud permanent`,
      `bridge fdb replace ${vtepMac('10.244.1.0/24')} dev flannel.1 dst 192.168.56.12`,
    ])
    expect(fs.map(cmds)).toEqual([peer, peer, peer, ['ip route del 10.244.7.0/24 dev flannel.1 2>/dev/null || true']])
    expect(fs.every((f) => f.safe)).toBe(true)
  })

  it('hairpin off and a pod MTU larger than the overlay: safe fixes on both ends', () => {
    const fs = run(({facts}) => {
      const f = facts.get('node1')!
      f.bridgePorts[0].hairpin = false
      f.pods[0].links[0].mtu = 1500
    })
    expect(ids(fs)).toEqual(['node1:hairpin-off:veth-a', 'node1:pod-mtu-too-large:pod/a'])
    expect(fs.map(cmds)).toEqual([['bridge link set dev veth-a hairpin on'], ['ip link set dev veth-a mtu 1450', 'nsenter -t 1000 -n ip link set dev eth0 mtu 1450']])
  })

  it('drift: a pod whose containers are gone, a stray labelled container, a stray veth, a forgotten namespace', () => {
    const fs = run((i) => {
      i.docker.get('node2')!.containers = [ctr('k8s_POD_old_default', {'io.mk8s.pod': 'default/old', 'io.mk8s.uid': 'u-old', 'io.mk8s.container': 'POD'})]
      i.facts.get('node1')!.links.push({ifindex: 40, ifname: 'veth0badf00d', mtu: 1450, up: true, master: 'cni0', kind: 'veth'})
      i.state.netns['node1/red'] = {node: 'node1', name: 'red', createdAt: 'x'}
    })
    expect(ids(fs)).toEqual(['node2:pod-containers-gone:pod/default/b', 'node2:stray-container:container/k8s_POD_old_default', 'node1:stray-veth:veth0badf00d', 'node1:netns-gone:netns/red'])
    expect(fs.map((f) => f.safe)).toEqual([true, true, true, false])
    expect(fs[0].repair).toEqual({kind: 'restart', pod: 'default/b', uid: 'uid-b'})
    expect(cmds(fs[1])).toEqual(['docker rm -f k8s_POD_old_default-0123456789abcdef 2>/dev/null || true'])
  })

  it('every pod against its node: a start or delete cut short, a sandbox down, a container missing, a split namespace, its address, its lease', () => {
    const dead = 2 ** 22 + 7 // no such process
    const fs = run((i) => {
      for (const [name, node, ip] of [['c', 'node1', '10.244.0.6'], ['d', 'node1', '10.244.0.7'], ['e', 'node2', '10.244.1.6'], ['f', 'node2', '10.244.1.7']] as const) {
        i.state.pods[`default/${name}`] = pod(name, node, ip)
        i.docker.get(node)!.containers.push(...podCtrs(name))
      }
      i.state.pods['default/c'] = {...i.state.pods['default/c'], phase: 'Pending', pid: dead}
      i.state.pods['default/d'] = {...i.state.pods['default/d'], phase: 'Terminating', pid: dead}
      i.state.pods['default/f'] = {...i.state.pods['default/f'], phase: 'Pending', pid: process.pid} // in flight: its own process runs
      const node2 = i.docker.get('node2')!.containers
      node2.find((c) => c.name === 'k8s_POD_b_default')!.netns = 'net:[999]' // the pause container restarted into a new namespace
      node2.find((c) => c.name === 'k8s_POD_e_default')!.running = false
    })
    expect(ids(fs)).toEqual(['node1:pod-start-interrupted:pod/default/c', 'node1:pod-delete-interrupted:pod/default/d', 'node2:pod-netns-split:pod/default/b', 'node2:pod-sandbox-down:pod/default/e'])
    expect(fs.map((f) => f.repair?.kind)).toEqual(['restart', 'finish-delete', 'restart', 'restart'])
    expect(fs.every((f) => f.safe)).toBe(true)
    expect(fs[2].evidence).toMatch(/main are in net:\[4098\], but the pause container .* is in net:\[999\]/)
    const more = run((i) => {
      i.docker.get('node1')!.containers.splice(1, 1) // pod a's app container
      i.facts.get('node2')!.pods.find((n) => n.key === 'default/b')!.addrs = []
      i.state.cluster!.driver = 'cni'
      i.extras.get('node1')!.leases = [{ip: '10.244.0.5', container: 'k8s_POD_a_default-0123456789abcdef'}]
      i.extras.get('node2')!.leases = []
    })
    expect(ids(more)).toEqual(['node1:pod-container-missing:pod/default/a', 'node2:pod-lease-missing:pod/default/b', 'node2:pod-address-missing:pod/default/b'])
  })

  it("the cluster DNS against the state: a record missing, one nobody wants, a file of a Service gone, dnsmasq gone; --fix writes what differs", () => {
    const withSvc = structuredClone(state)
    withSvc.services['default/web'] = {namespace: 'default', name: 'web', uid: 'w', type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80}], selector: {app: 'a'}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: 'x'}
    const want = renderDnsRecords(withSvc, withSvc.cluster!)
    expect(want.hosts).toEqual({'web.default': '10.96.0.20 web.default.svc.cluster.local\n'})
    const fs = run((i) => {
      i.state = structuredClone(withSvc)
      i.extras.get('node1')!.dns = {hosts: {'web.default': '10.96.0.21 web.default.svc.cluster.local\n', 'old.default': '10.96.0.9 old.default.svc.cluster.local\n'}, conf: want.conf, running: true}
      i.extras.get('node2')!.dns = {conf: want.conf, running: false}
    })
    expect(ids(fs)).toEqual(['node1:dns-records-stale:dnsmasq records', 'node2:dns-not-running:dnsmasq'])
    expect(fs[0].evidence).toBe('A/PTR records of web.default; old.default: 1 missing (10.96.0.20 web.default.svc.cluster.local), 2 that no object wants (10.96.0.21 web.default.svc.cluster.local; 10.96.0.9 old.default.svc.cluster.local)')
    // the fix: web's file written, old's removed, no restart (nothing dnsmasq reads at start differs)
    expect(cmds(fs[0])!.length).toBe(1)
    expect(cmds(fs[0])![0]).toMatch(/ sh \/var\/lib\/mk8s\/dns\/hosts.d old.default$/)
    expect(fs[0].plan![0].stdin).toBe('@@ web.default\n10.96.0.20 web.default.svc.cluster.local\n')
    const conf = run((i) => {
      i.state = structuredClone(withSvc)
      i.extras.get('node1')!.dns = {hosts: want.hosts, conf: want.conf.replace(/^srv-host=.*\n/m, ''), running: true}
    })
    expect(conf.map((f) => f.evidence)).toEqual(['SRV and pod records: 1 missing (srv-host=_http._tcp.web.default.svc.cluster.local,web.default.svc.cluster.local,80,0,100)'])
    expect(cmds(conf[0])!.at(-1)).toMatch(/dnsmasq --conf-file/)
    expect(run((i) => {
      i.state = structuredClone(withSvc)
      i.extras.get('node1')!.dns = {hosts: want.hosts, conf: want.conf, running: true}
    })).toEqual([])
  })

  it('what a node would boot from against the state: the script, its parts and the services\' files; --fix writes them', () => {
    const withSvc = structuredClone(state)
    withSvc.services['default/web'] = {namespace: 'default', name: 'web', uid: 'w', type: 'ClusterIP', clusterIP: '10.96.0.20', ports: [{name: 'http', protocol: 'TCP', port: 80, targetPort: 80}], selector: {app: 'a'}, labels: {}, sessionAffinity: 'None', externalTrafficPolicy: 'Cluster', createdAt: 'x'}
    const good = (n: string) => ({
      script: bootScript(AREA_ORDER),
      parts: Object.fromEntries(Object.entries(bootParts(withSvc, withSvc.nodes[n])).map(([a, b]) => [`${a}.sh`, b])),
      services: expectedServicesFiles(withSvc, withSvc.nodes[n]),
    })
    expect(Object.keys(good('node1').services)).toEqual(['default.web'])
    expect(Object.keys(good('node1').parts)).toEqual(expect.arrayContaining(['base.sh', 'services.sh', 'dns.sh']))
    expect(run((i) => {
      i.state = structuredClone(withSvc)
      for (const n of ['node1', 'node2']) i.extras.get(n)!.boot = good(n)
    })).toEqual([])
    const fs = run((i) => {
      i.state = structuredClone(withSvc)
      i.extras.get('node1')!.boot = {parts: {}, services: {}}
      i.extras.get('node2')!.boot = {...good('node2'), services: {}}
    })
    expect(ids(fs)).toEqual(['node1:boot-script-stale:/var/lib/mk8s/boot.sh', 'node2:boot-script-stale:/var/lib/mk8s/boot.sh'])
    expect(fs[0].evidence).toMatch(/^after a reboot this node would not come back as the state says: \/var\/lib\/mk8s\/boot.sh is missing; parts base.sh, .* differ from the state; 1 services' files differ \(default.web\)$/)
    expect(fs[1].evidence).toBe("after a reboot this node would not come back as the state says: 1 services' files differ (default.web)")
    expect(cmds(fs[1])!.filter((c) => c.startsWith('rm -rf'))).toEqual(['rm -rf /var/lib/mk8s/boot.d', 'rm -rf /var/lib/mk8s/services'])
  })

  it('ip driver: the host-port chain against the pods that publish host ports, both ways; --fix rewrites it', () => {
    const withPort = (i: Inputs) => {
      i.state.pods['default/a'].spec = PodSpecSchema.parse({containers: [{name: 'main', image: 'mk8s/busybox', ports: [{containerPort: 80, hostPort: 8080, protocol: 'TCP'}]}]})
    }
    const chain = (maps: Parameters<typeof hostPortRestore>[0]) => parseIptablesSave(hostPortRestore(maps)).nat['MK8S-HOSTPORTS']
    const good = {pod: 'default/a', podIP: '10.244.0.5', hostPort: 8080, containerPort: 80, protocol: 'TCP' as const}
    expect(run((i) => {
      withPort(i)
      i.facts.get('node1')!.iptables!.nat['MK8S-HOSTPORTS'] = chain([good])
    })).toEqual([])
    const fs = run((i) => {
      withPort(i)
      i.facts.get('node1')!.iptables!.nat['MK8S-HOSTPORTS'] = chain([{...good, pod: 'default/gone', hostPort: 9090, podIP: '10.244.0.9'}])
      i.facts.get('node2')!.iptables!.nat['MK8S-HOSTPORTS'] = chain([{...good, pod: 'default/old', podIP: '10.244.1.9'}])
    })
    expect(ids(fs)).toEqual(['node1:host-ports-stale:nat MK8S-HOSTPORTS', 'node2:host-ports-stale:nat MK8S-HOSTPORTS'])
    expect(fs.map((f) => f.evidence)).toEqual(['missing: 8080/tcp -> 10.244.0.5:80; no pod holds: 9090/tcp -> 10.244.0.9:80', 'no pod holds: 8080/tcp -> 10.244.1.9:80'])
    expect(cmds(fs[0])![0]).toMatch(/^iptables-restore -w --noflush/)
  })

  it("the ingress controller: mk8s's nginx where no Ingress wants it is stray; --fix stops it", () => {
    expect(run((i) => (i.extras.get('node1')!.ingress = {running: false}))).toEqual([])
    const fs = run((i) => (i.extras.get('node2')!.ingress = {conf: 'events {}', running: true}))
    expect(ids(fs)).toEqual(['node2:ingress-stray:nginx'])
    expect(cmds(fs[0])!.at(-1)).toBe('rm -rf /run/mk8s/ingress')
  })

  it("Docker's pitfalls: a squatted name (409), a port clash in a pod, a container that died of it, no socket access, an overlapping pool", () => {
    const fs = run((i) => {
      i.state.pods['default/a'].spec = PodSpecSchema.parse({containers: [{name: 'one', image: 'mk8s/busybox', ports: [{containerPort: 80}]}, {name: 'two', image: 'mk8s/busybox', ports: [{containerPort: 80}]}]})
      i.docker.get('node1')!.containers.push(ctr('k8s_POD_web_default', {}), ctr('k8s_two_a_default', {'io.mk8s.pod': 'default/a', 'io.mk8s.uid': 'uid-a', 'io.mk8s.container': 'two'}, {running: false, status: 'exited', exitCode: 1, logs: 'httpd: bind: Address already in use'}))
      i.docker.get('node2')!.error = 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock'
      i.docker.get('node1')!.networks.push({name: 'vpn', subnets: ['10.244.0.0/20']})
    })
    expect(ids(fs)).toEqual([
      'node2:docker-socket-denied:/var/run/docker.sock',
      'node1:pool-overlap:docker network vpn',
      'node1:container-name-in-use:container/k8s_POD_web_default',
      'node1:pod-port-clash:pod/a',
      'node1:port-taken:container/k8s_two_a_default',
    ])
    expect(fs[0].fix).toBe('add root to the docker group (usermod -aG docker root, then log in again); never chmod 777 the socket')
  })

  it('both iptables backends holding rules', () => {
    const fs = run((i) => {
      i.extras.get('node1')!.backends = {legacy: 3, nft: 40}
    })
    expect(ids(fs)).toEqual(['node1:iptables-both-backends:iptables'])
  })
})

describe('doctor reads', () => {
  it('Docker: containers, networks, the last lines of exited containers; a refused socket', () => {
    const r = new Map([
      ['docker', {output: '20.10.24', code: 0}],
      ['containers', {output: JSON.stringify([{Id: 'abc', Name: '/k8s_POD_a_default', State: {Running: false, Status: 'exited', ExitCode: 1, Pid: 0}, Config: {Labels: {'io.mk8s.pod': 'default/a'}}}]), code: 0}],
      ['networks', {output: JSON.stringify([{Name: 'bridge', IPAM: {Config: [{Subnet: '172.17.0.0/16'}]}}]), code: 0}],
      ['logs', {output: '@@logs abc\nbind: Address in use', code: 0}],
    ])
    expect(parseDocker(r)).toEqual({containers: [{id: 'abc', name: 'k8s_POD_a_default', running: false, status: 'exited', exitCode: 1, pid: 0, labels: {'io.mk8s.pod': 'default/a'}, logs: 'bind: Address in use'}], networks: [{name: 'bridge', subnets: ['172.17.0.0/16']}]})
    expect(parseDocker(new Map([['docker', {output: 'permission denied while trying to connect', code: 1}]])).error).toBe('permission denied while trying to connect')
  })
  it('backends, ethtool (or its absence), namespaces', () => {
    const x = parseExtras(new Map([['backends', {output: 'legacy=0\nnft=12\n', code: 0}], ['ethtool', {output: 'no-ethtool\n', code: 0}], ['netns', {output: '[{"name":"red"}]', code: 0}]]))
    expect(x).toEqual({backends: {legacy: 0, nft: 12}, ethtool: undefined, netns: ['red'], conntrack: []})
  })
})

describe('doctor: service rules and UDP conntrack', () => {
  const s = clusterState([pod('a', 'node1', '10.244.0.5', {app: 'web'}), pod('b', 'node2', '10.244.1.5', {app: 'web'})], [web(), {...web(), name: 'dns', uid: 'uid-dns', clusterIP: '10.96.0.10', ports: [{name: 'dns', protocol: 'UDP', port: 53, targetPort: 53}]}])
  const rules = (node: string) => iptablesFullRestore(Object.keys(s.services).map((k) => serviceFragment(s, k, node, 'iptables')))
  const inputs = (): Inputs => {
    const facts = factsOf(s)
    for (const n of ['node1', 'node2']) facts.get(n)!.iptables = parseIptablesSave(rules(n))
    return {state: s, facts, docker: new Map(), extras: extras()}
  }
  it('the chains the services want are there: nothing to say', () => {
    expect(serviceChainChecks(inputs())).toEqual([])
  })
  it('a chain no service wants, and a missing one: a full re-sync of that node fixes both', () => {
    const i = inputs()
    const sep = /^:(KUBE-SEP-\S+) /m.exec(rules('node1'))![1]
    const text = rules('node1').replace('*nat\n', '*nat\n:KUBE-SVC-OLDOLDOLDOLDOLD - [0:0]\n').split('\n').filter((l) => !l.startsWith(`:${sep}`) && !l.startsWith(`-A ${sep}`)).join('\n')
    i.facts.get('node1')!.iptables = parseIptablesSave(text)
    const fs = serviceChainChecks(i)
    expect(fs.map((f) => `${f.node}:${f.id}`)).toEqual(['node1:stale-service-chains', 'node1:service-chains-missing'])
    expect(fs[0].plan).toEqual(fullServicesPlan(s, s.nodes.node1))
  })
  it('UDP entries to a service never DNATed (or to a gone endpoint) are stale; a current endpoint is not', () => {
    const i = inputs()
    i.extras.get('node1')!.conntrack = [
      'udp      17 29 src=10.244.0.5 dst=10.96.0.10 sport=40000 dport=53 src=10.96.0.10 dst=10.244.0.5 sport=53 dport=40000 mark=0 use=1',
      'udp      17 29 src=10.244.0.5 dst=10.96.0.10 sport=40001 dport=53 src=10.244.1.5 dst=10.244.0.5 sport=53 dport=40001 mark=0 use=1',
    ]
    const fs = conntrackChecks(i)
    expect(fs.map((f) => f.plan?.map(renderStep))).toEqual([['conntrack -D -p udp --orig-dst 10.96.0.10 2>/dev/null || true']])
    expect(fs[0].evidence).toMatch(/^1 UDP conntrack entry to 10.96.0.10 answered by no current endpoint/)
  })
})

describe('doctor: the nftables service table', () => {
  const s = nftFixtureState()
  const listed = readFileSync(new URL('fixtures/node1.nft', import.meta.url), 'utf8')
  const inputs = (nft: string | undefined): Inputs => {
    const facts = factsOf(s)
    facts.delete('node2')
    facts.get('node1')!.nft = nft
    return {state: s, facts, docker: new Map(), extras: extras()}
  }
  const said = (fs: Finding[]) => fs.map((f) => `${f.id}: ${f.evidence}`)
  it("the table as nft lists the planner's own script: nothing to say", () => {
    expect(serviceTableChecks(inputs(listed))).toEqual([])
  })
  it('a chain, a set and a map element no service wants, and missing ones: a full rewrite of that node fixes both', () => {
    const text = listed
      .replace('\tchain reject-chain {', '\tchain service-OLDOLDOL-default/gone/tcp/http {\n\t\tgoto reject-chain\n\t}\n\n\tchain reject-chain {')
      .replace('elements = { 10.96.0.30 . tcp . 80 : goto reject-chain }', 'elements = { 10.96.0.30 . tcp . 80 : goto reject-chain,\n\t\t\t     10.96.0.99 . udp . 53 : goto reject-chain }')
      .replace(/\tchain endpoint-7U6MWNJW-[^\n]*\n(\t\t[^\n]*\n)*\t\}\n\n/, '')
      .replace(/\tset affinity-5JVIOGTS-[^\n]*\n(\t\t[^\n]*\n)*\t\}\n\n/, '')
      .replace('10.96.0.20 . tcp . 80 : goto service-CDGGSHYL-default/web/tcp/http,\n\t\t\t     ', '')
    const fs = serviceTableChecks(inputs(text))
    expect(said(fs)).toEqual([
      'stale-service-rules: 2 chain(s), set(s) or map element(s) no service wants: service-OLDOLDOL-default/gone/tcp/http, no-endpoint-services 10.96.0.99 . udp . 53 : goto reject-chain',
      'service-rules-missing: 3 chain(s), set(s) or map element(s) the services need are missing: affinity-5JVIOGTS-default/sticky/tcp/http__10.244.1.5/8080, endpoint-7U6MWNJW-default/web/tcp/http__10.244.0.5/8080, service-ips 10.96.0.20 . tcp . 80 : goto service-CDGGSHYL-default/web/tcp/http',
    ])
    expect(fs.every((f) => f.safe && f.node === 'node1')).toBe(true)
    expect(fs[0].plan).toEqual(fullServicesPlan(s, s.nodes.node1))
  })
  it('a chain flushed by hand is named with the rules it lacks', () => {
    const text = listed.replace(/(\tchain service-CDGGSHYL-default\/web\/tcp\/http \{\n)(\t\t[^\n]*\n)+/, '$1')
    expect(said(serviceTableChecks(inputs(text)))).toEqual(['service-rules-missing: 1 chain(s), set(s) or map element(s) the services need are missing: service-CDGGSHYL-default/web/tcp/http (0 of 3 rules)'])
  })
  it('no table at all: an error, and the same rewrite', () => {
    expect(said(serviceTableChecks(inputs(undefined)))).toEqual(['service-table-missing: nft has no table ip mk8s: no ClusterIP, NodePort or LoadBalancer rule of the 3 service(s) applies on node1'])
  })
  it('iptables mode is not its business (nor is nftables mode the chain check\'s)', () => {
    expect(serviceTableChecks({...inputs(listed), state: {...s, cluster: {...s.cluster!, proxyMode: 'iptables'}}})).toEqual([])
    expect(serviceChainChecks(inputs(listed))).toEqual([])
  })
})

describe("doctor's reads", () => {
  it("name every read once, beside trace's facts: a firewall's nft ruleset once took the name of the service table", () => {
    for (const nft of [false, true]) for (const conntrack of [false, true]) expect(() => readPlan([...factReads({nft}), ...doctorExtraReads({conntrack})])).not.toThrow()
    expect(() => readPlan([['nft', ['true']], ['nft', ['false']]])).toThrowError('two reads are named "nft"')
  })
})
