import {describe, expect, it} from 'vitest'
import {diffFragments, emptyFragment} from '../../src/lib/svc/fragment.js'
import {iptablesFullRestore, iptablesIncrementalRestore} from '../../src/lib/svc/iptables.plan.js'
import {endpointChainName, portChainBase} from '../../src/lib/svc/names.js'
import {nftFullScript, nftIncrementalScript} from '../../src/lib/svc/nft.plan.js'
import {serviceFragment} from '../../src/lib/svc/sync.js'
import {fixture, pod, svc} from './svc-fixture.js'

/** Golden restore / nft text for a ClusterIP with two endpoints and a NodePort without any (as node1 sees them). */
const pods = [pod('a', 'node1', '10.244.0.5', {app: 'web'}), pod('b', 'node2', '10.244.1.5', {app: 'web'})]
const base = (mode: 'iptables' | 'nftables') =>
  fixture(pods, [svc('web', '10.96.0.2'), svc('gone', '10.96.0.3', {type: 'NodePort', ports: [{protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30001}]})], mode)
const frags = (mode: 'iptables' | 'nftables') => ['default/gone', 'default/web'].map((k) => serviceFragment(base(mode), k, 'node1', mode))
function addApi(mode: 'iptables' | 'nftables') {
  const s = base(mode)
  s.services['default/api'] = svc('api', '10.96.0.4', {selector: {app: 'web'}, ports: [{protocol: 'TCP', port: 8080, targetPort: 80}]})
  return diffFragments(emptyFragment(), serviceFragment(s, 'default/api', 'node1', mode))
}
const deleteWeb = (mode: 'iptables' | 'nftables') => diffFragments(serviceFragment(base(mode), 'default/web', 'node1', mode), emptyFragment())

describe('chain names as kube-proxy computes them', () => {
  it('KUBE-SVC and KUBE-SEP hashes match kube-proxy\'s own test data', () => {
    expect(`KUBE-SVC-${portChainBase('ns1/svc1:p80', 'TCP')}`).toBe('KUBE-SVC-XPGD46QRK7WJZT7O')
    expect(endpointChainName('ns1/svc1:p80', 'TCP', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ')
  })
})

describe('iptables restore text', () => {
  it('full sync: every KUBE-* chain declared, NodePorts jump last, REJECT in filter for no endpoints', () => {
    expect(iptablesFullRestore(frags('iptables'))).toBe(IPT_FULL)
  })
  it('adding a service: its chains and one inserted KUBE-SERVICES rule, nothing else', () => {
    expect(iptablesIncrementalRestore(addApi('iptables'))).toBe(IPT_ADD)
  })
  it('deleting a service: its KUBE-SERVICES rule deleted, its chains flushed and removed', () => {
    expect(iptablesIncrementalRestore(deleteWeb('iptables'))).toBe(IPT_DELETE)
  })
  it('full sync with stale chains: each is flushed before any is deleted (a stale SVC still jumps to a stale SEP)', () => {
    const stale = ['nat KUBE-SVC-OLDOLDOLDOLDOLDO', 'nat KUBE-SEP-OLDOLDOLDOLDOLDO', 'nat KUBE-SVC-CDGGSHYLG3RE2FKL']
    const nat = iptablesFullRestore(frags('iptables'), stale).split('*nat\n')[1]
    const lines = nat.split('\n')
    // a chain still wanted is kept; the two gone ones are declared (flushed) and then deleted, after every rule
    expect(lines.filter((l) => l.startsWith('-X '))).toEqual(['-X KUBE-SEP-OLDOLDOLDOLDOLDO', '-X KUBE-SVC-OLDOLDOLDOLDOLDO'])
    expect(lines.indexOf(':KUBE-SEP-OLDOLDOLDOLDOLDO - [0:0]')).toBeGreaterThan(0)
    expect(lines.indexOf(':KUBE-SVC-OLDOLDOLDOLDOLDO - [0:0]')).toBeGreaterThan(0)
    expect(lines.indexOf(':KUBE-SVC-OLDOLDOLDOLDOLDO - [0:0]')).toBeLessThan(lines.findIndex((l) => l.startsWith('-A ')))
    expect(lines.slice(lines.findIndex((l) => l.startsWith('-X ')))).toEqual(['-X KUBE-SEP-OLDOLDOLDOLDOLDO', '-X KUBE-SVC-OLDOLDOLDOLDOLDO', 'COMMIT', ''])
  })
  it('no change is no text', () => {
    const f = frags('iptables')[1]
    expect(iptablesIncrementalRestore(diffFragments(f, f))).toBe('')
  })
})

describe('nft text', () => {
  it('full sync: the table replaced in one transaction, services as verdict map elements', () => {
    expect(nftFullScript(frags('nftables'))).toBe(NFT_FULL)
  })
  it('adding a service: its chains and one map element', () => {
    expect(nftIncrementalScript(addApi('nftables'))).toBe(NFT_ADD)
  })
  it('deleting a service: its element, then its chains', () => {
    expect(nftIncrementalScript(deleteWeb('nftables'))).toBe(NFT_DELETE)
  })
})

const IPT_FULL = `*filter
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-SERVICES -d 10.96.0.3/32 -p tcp -m comment --comment "default/gone has no endpoints" -m tcp --dport 80 -j REJECT
-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/gone has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30001 -j REJECT
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SEP-J44QSZ26JCYCDSXF - [0:0]
:KUBE-SEP-THCUGE4PYEGQIHCR - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SEP-J44QSZ26JCYCDSXF -s 10.244.0.5/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-J44QSZ26JCYCDSXF -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.0.5:80
-A KUBE-SEP-THCUGE4PYEGQIHCR -s 10.244.1.5/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-THCUGE4PYEGQIHCR -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.5:80
-A KUBE-SVC-CDGGSHYLG3RE2FKL ! -s 10.244.0.0/16 -d 10.96.0.2/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.5:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-J44QSZ26JCYCDSXF
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:80" -j KUBE-SEP-THCUGE4PYEGQIHCR
COMMIT
`

const IPT_ADD = `*nat
:KUBE-SEP-L623HLGHN3XWJ4J3 - [0:0]
:KUBE-SEP-TSG6K25KOHSND7B3 - [0:0]
:KUBE-SVC-BL4VTDSJDQ5TV32O - [0:0]
-I KUBE-SERVICES 1 -d 10.96.0.4/32 -p tcp -m comment --comment "default/api cluster IP" -m tcp --dport 8080 -j KUBE-SVC-BL4VTDSJDQ5TV32O
-A KUBE-SEP-L623HLGHN3XWJ4J3 -s 10.244.1.5/32 -m comment --comment "default/api" -j KUBE-MARK-MASQ
-A KUBE-SEP-L623HLGHN3XWJ4J3 -p tcp -m comment --comment "default/api" -m tcp -j DNAT --to-destination 10.244.1.5:80
-A KUBE-SEP-TSG6K25KOHSND7B3 -s 10.244.0.5/32 -m comment --comment "default/api" -j KUBE-MARK-MASQ
-A KUBE-SEP-TSG6K25KOHSND7B3 -p tcp -m comment --comment "default/api" -m tcp -j DNAT --to-destination 10.244.0.5:80
-A KUBE-SVC-BL4VTDSJDQ5TV32O ! -s 10.244.0.0/16 -d 10.96.0.4/32 -p tcp -m comment --comment "default/api cluster IP" -m tcp --dport 8080 -j KUBE-MARK-MASQ
-A KUBE-SVC-BL4VTDSJDQ5TV32O -m comment --comment "default/api -> 10.244.0.5:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-TSG6K25KOHSND7B3
-A KUBE-SVC-BL4VTDSJDQ5TV32O -m comment --comment "default/api -> 10.244.1.5:80" -j KUBE-SEP-L623HLGHN3XWJ4J3
COMMIT
`

const IPT_DELETE = `*nat
:KUBE-SEP-J44QSZ26JCYCDSXF - [0:0]
:KUBE-SEP-THCUGE4PYEGQIHCR - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
-D KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-X KUBE-SEP-J44QSZ26JCYCDSXF
-X KUBE-SEP-THCUGE4PYEGQIHCR
-X KUBE-SVC-CDGGSHYLG3RE2FKL
COMMIT
`

const NFT_FULL = `add table ip mk8s
delete table ip mk8s
table ip mk8s {
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
	}
	map service-nodeports {
		type inet_proto . inet_service : verdict
	}
	map no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service : verdict
	}
	map no-endpoint-nodeports {
		type inet_proto . inet_service : verdict
	}
	map firewall-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
	}
	chain reject-chain {
		reject
	}
	chain mark-for-masquerade {
		meta mark set meta mark | 0x4000
	}
	chain masquerading {
		meta mark & 0x4000 == 0 return
		meta mark set meta mark ^ 0x4000
		masquerade fully-random
	}
	chain services {
		ip daddr . meta l4proto . th dport vmap @service-ips
		fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports
	}
	chain service-endpoints-check {
		ip daddr . meta l4proto . th dport vmap @no-endpoint-services
	}
	chain nodeport-endpoints-check {
		fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports
	}
	chain firewall-check {
		ip daddr . meta l4proto . th dport vmap @firewall-ips
	}
	chain nat-prerouting {
		type nat hook prerouting priority -100; policy accept;
		jump services
	}
	chain nat-output {
		type nat hook output priority -100; policy accept;
		jump services
	}
	chain nat-postrouting {
		type nat hook postrouting priority 100; policy accept;
		jump masquerading
	}
	chain filter-prerouting {
		type filter hook prerouting priority -110; policy accept;
		ct state new jump firewall-check
	}
	chain filter-input {
		type filter hook input priority -110; policy accept;
		ct state new jump nodeport-endpoints-check
		ct state new jump service-endpoints-check
	}
	chain filter-forward {
		type filter hook forward priority -110; policy accept;
		ct state new jump service-endpoints-check
	}
	chain filter-output {
		type filter hook output priority -110; policy accept;
		ct state new jump service-endpoints-check
		ct state new jump firewall-check
	}
}
add chain ip mk8s endpoint-J44QSZ26-default/web/tcp/http__10.244.0.5/80
add chain ip mk8s endpoint-THCUGE4P-default/web/tcp/http__10.244.1.5/80
add chain ip mk8s service-CDGGSHYL-default/web/tcp/http
add rule ip mk8s endpoint-J44QSZ26-default/web/tcp/http__10.244.0.5/80 ip saddr 10.244.0.5 jump mark-for-masquerade
add rule ip mk8s endpoint-J44QSZ26-default/web/tcp/http__10.244.0.5/80 meta l4proto tcp dnat to 10.244.0.5:80
add rule ip mk8s endpoint-THCUGE4P-default/web/tcp/http__10.244.1.5/80 ip saddr 10.244.1.5 jump mark-for-masquerade
add rule ip mk8s endpoint-THCUGE4P-default/web/tcp/http__10.244.1.5/80 meta l4proto tcp dnat to 10.244.1.5:80
add rule ip mk8s service-CDGGSHYL-default/web/tcp/http ip daddr 10.96.0.2 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip mk8s service-CDGGSHYL-default/web/tcp/http numgen random mod 2 0 goto endpoint-J44QSZ26-default/web/tcp/http__10.244.0.5/80
add rule ip mk8s service-CDGGSHYL-default/web/tcp/http goto endpoint-THCUGE4P-default/web/tcp/http__10.244.1.5/80
add element ip mk8s no-endpoint-nodeports { tcp . 30001 : goto reject-chain }
add element ip mk8s no-endpoint-services { 10.96.0.3 . tcp . 80 : goto reject-chain }
add element ip mk8s service-ips { 10.96.0.2 . tcp . 80 : goto service-CDGGSHYL-default/web/tcp/http }
`

const NFT_ADD = `add chain ip mk8s endpoint-L623HLGH-default/api/tcp/__10.244.1.5/80
add chain ip mk8s endpoint-TSG6K25K-default/api/tcp/__10.244.0.5/80
add chain ip mk8s service-BL4VTDSJ-default/api/tcp/
add rule ip mk8s endpoint-L623HLGH-default/api/tcp/__10.244.1.5/80 ip saddr 10.244.1.5 jump mark-for-masquerade
add rule ip mk8s endpoint-L623HLGH-default/api/tcp/__10.244.1.5/80 meta l4proto tcp dnat to 10.244.1.5:80
add rule ip mk8s endpoint-TSG6K25K-default/api/tcp/__10.244.0.5/80 ip saddr 10.244.0.5 jump mark-for-masquerade
add rule ip mk8s endpoint-TSG6K25K-default/api/tcp/__10.244.0.5/80 meta l4proto tcp dnat to 10.244.0.5:80
add rule ip mk8s service-BL4VTDSJ-default/api/tcp/ ip daddr 10.96.0.4 tcp dport 8080 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
add rule ip mk8s service-BL4VTDSJ-default/api/tcp/ numgen random mod 2 0 goto endpoint-TSG6K25K-default/api/tcp/__10.244.0.5/80
add rule ip mk8s service-BL4VTDSJ-default/api/tcp/ goto endpoint-L623HLGH-default/api/tcp/__10.244.1.5/80
add element ip mk8s service-ips { 10.96.0.4 . tcp . 8080 : goto service-BL4VTDSJ-default/api/tcp/ }
`

const NFT_DELETE = `delete element ip mk8s service-ips { 10.96.0.2 . tcp . 80 }
flush chain ip mk8s endpoint-J44QSZ26-default/web/tcp/http__10.244.0.5/80
flush chain ip mk8s endpoint-THCUGE4P-default/web/tcp/http__10.244.1.5/80
flush chain ip mk8s service-CDGGSHYL-default/web/tcp/http
delete chain ip mk8s endpoint-J44QSZ26-default/web/tcp/http__10.244.0.5/80
delete chain ip mk8s endpoint-THCUGE4P-default/web/tcp/http__10.244.1.5/80
delete chain ip mk8s service-CDGGSHYL-default/web/tcp/http
`
