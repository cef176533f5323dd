import {describe, expect, it} from 'vitest'
import {assessFirewalls, parseBackends, parseDockerIptables, parseFirewalld, parseNftDrops, parseUfw} from '../../src/lib/firewall/detect.js'
import {inputPlan, inputRules} from '../../src/lib/firewall/input.js'
import {checkFirewalls, FIREWALL_READS, firewallCaptures, parseFirewalls} from '../../src/lib/firewall/detect.js'
import {renderPlan} from '../../src/lib/host/plan.js'

const UFW_ACTIVE = `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), deny (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    Anywhere
`

const none = {dockerIptables: false, backends: {}, nftDrops: []}

describe('reading other firewalls', () => {
  it('ufw status verbose', () => {
    expect(parseUfw(UFW_ACTIVE)).toEqual({active: true, incoming: 'deny', routed: 'deny'})
    expect(parseUfw('Status: inactive\n')).toEqual({active: false})
    expect(parseUfw('absent\n')).toBeUndefined()
  })

  it('firewalld', () => {
    expect(parseFirewalld('state running\ntrusted cni0 flannel.1\nports 8472/udp 22/tcp\n')).toEqual({running: true, trusted: ['cni0', 'flannel.1'], ports: ['8472/udp', '22/tcp']})
    expect(parseFirewalld('state not running\n')).toEqual({running: false, trusted: [], ports: []})
    expect(parseFirewalld('absent')).toBeUndefined()
  })

  it("a dockerd that writes iptables rules is seen by its chains in the host's filter table", () => {
    expect(parseDockerIptables('@@backend nft\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:DOCKER - [0:0]\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n')).toBe(true)
    expect(parseDockerIptables('@@backend nft\n*filter\n:INPUT ACCEPT [0:0]\n:MK8S-FORWARD - [0:0]\n-A MK8S-FORWARD -m comment --comment "not a :DOCKER chain" -j ACCEPT\n')).toBe(false)
    expect(parseDockerIptables('')).toBe(false)
  })

  it('both iptables backends: policies and the rules that are not mk8s\'s', () => {
    const text = `@@backend legacy
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -i eth1 -j ACCEPT
COMMIT
@@backend nft
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:MK8S-FORWARD - [0:0]
-A FORWARD -j MK8S-FORWARD
-A MK8S-FORWARD -s 10.244.0.0/16 -j ACCEPT
COMMIT
`
    expect(parseBackends(text)).toEqual({legacy: {foreignRules: 1, forwardPolicy: 'DROP', inputPolicy: 'ACCEPT'}, nft: {foreignRules: 0, forwardPolicy: 'ACCEPT', inputPolicy: 'ACCEPT'}})
  })

  it("nftables base chains that drop by policy, except iptables-nft's tables and mk8s's own", () => {
    const ruleset = JSON.stringify({nftables: [
      {metainfo: {version: '1.0.6'}},
      {table: {family: 'inet', name: 'filter', handle: 1}},
      {chain: {family: 'inet', table: 'filter', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop'}},
      {chain: {family: 'inet', table: 'filter', name: 'forward', handle: 2, type: 'filter', hook: 'forward', prio: 0, policy: 'drop'}},
      {chain: {family: 'inet', table: 'filter', name: 'output', handle: 3, type: 'filter', hook: 'output', prio: 0, policy: 'accept'}},
      {rule: {family: 'inet', table: 'filter', chain: 'forward', handle: 5, expr: [{match: {op: '==', left: {meta: {key: 'iifname'}}, right: 'cni0'}}, {accept: null}]}},
      {chain: {family: 'ip', table: 'filter', name: 'FORWARD', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'drop'}},
      {chain: {family: 'ip', table: 'mk8s', name: 'x', handle: 1, type: 'filter', hook: 'forward', prio: 0, policy: 'drop'}},
    ]})
    expect(parseNftDrops(ruleset, ['mk8s'], '10.244.0.0/16')).toEqual([
      {family: 'inet', table: 'filter', chain: 'input', hook: 'input', letsPodsThrough: false},
      {family: 'inet', table: 'filter', chain: 'forward', hook: 'forward', letsPodsThrough: true},
    ])
    expect(parseNftDrops('not json', [], undefined)).toEqual([])
  })
})

describe('what mk8s does about them', () => {
  it('works with ufw and a root dockerd; says what each does', () => {
    const v = assessFirewalls({...none, ufw: {active: true, incoming: 'deny', routed: 'deny'}, dockerIptables: true}, {iptables: 'nft', podCIDR: '10.244.0.0/16'})
    expect(v.map((x) => [x.what, x.verdict])).toEqual([['ufw', 'handled'], ['docker', 'handled']])
    expect(v[0].effect).toBe("ufw's default deny (incoming) drops VXLAN from the other nodes and pods' DNS queries to their node, deny (routed) drops forwarded pod traffic")
    expect(() => checkFirewalls('node2', v)).not.toThrow()
  })

  it('refuses firewalld without mk8s\'s devices trusted, a DROP in the other iptables backend, and a foreign nftables drop (exit 2, with the fix)', () => {
    const v = assessFirewalls(
      {...none, firewalld: {running: true, trusted: [], ports: []}, backends: {legacy: {foreignRules: 2, forwardPolicy: 'DROP', inputPolicy: 'ACCEPT'}}, nftDrops: [{family: 'inet', table: 'filter', chain: 'input', hook: 'input', letsPodsThrough: false}]},
      {iptables: 'nft', podCIDR: '10.244.0.0/16'},
    )
    expect(v.map((x) => [x.what, x.verdict])).toEqual([['firewalld', 'refused'], ['iptables-legacy', 'refused'], ['nftables', 'refused']])
    expect(v[0].fix).toBe("put mk8s's devices in the trusted zone and open VXLAN, then join again: firewall-cmd --permanent --zone=trusted --add-interface=cni0 --add-interface=flannel.1 --add-interface=mk8s-dns0 && firewall-cmd --permanent --add-port=8472/udp && firewall-cmd --reload")
    expect(v[2].fix).toBe('let VXLAN and pods in, in that chain: nft insert rule inet filter input udp dport 8472 accept; nft insert rule inet filter input ip saddr 10.244.0.0/16 accept')
    try {
      checkFirewalls('node2', v)
      expect.unreachable()
    } catch (e) {
      expect((e as {exitCode: number}).exitCode).toBe(2)
      expect((e as Error).message.split('\n')[0]).toBe("node node2's firewall would drop pod traffic:")
      expect((e as {hint: string}).hint.split('\n')[0]).toBe('mk8s never changes rules it did not make; as the host\'s owner:')
    }
    expect(assessFirewalls({...none, firewalld: {running: true, trusted: ['cni0', 'flannel.1', 'mk8s-dns0'], ports: ['8472/udp']}}, {iptables: 'nft', podCIDR: '10.244.0.0/16'})[0].verdict).toBe('handled')
  })

  it("MK8S-INPUT: pods to their node, VXLAN from each peer's address only (golden)", () => {
    const nodes = [{name: 'node2', address: '192.168.56.12'}, {name: 'node1', address: '192.168.56.11'}, {name: 'node3', address: '192.168.56.13'}]
    expect(inputRules({podCIDR: '10.244.0.0/16', backend: 'vxlan'}, {name: 'node1'}, nodes)).toBe(`*filter
:MK8S-INPUT - [0:0]
-A MK8S-INPUT -s 10.244.0.0/16 -m comment --comment "mk8s: pods reach their node" -j ACCEPT
-A MK8S-INPUT -s 192.168.56.12/32 -p udp -m udp --dport 8472 -m comment --comment "mk8s: vxlan from node2" -j ACCEPT
-A MK8S-INPUT -s 192.168.56.13/32 -p udp -m udp --dport 8472 -m comment --comment "mk8s: vxlan from node3" -j ACCEPT
COMMIT
`)
    expect(inputRules({podCIDR: '10.244.0.0/16', backend: 'host-gw'}, {name: 'node1'}, nodes)).not.toContain('8472')
    expect(renderPlan(inputPlan({podCIDR: '10.244.0.0/16', backend: 'host-gw'}, {name: 'node1'}, nodes)).split('\n').at(-1)).toBe(
      `sh -c 'n=$(iptables -w -t filter -L INPUT --line-numbers -n | awk -v c="$1" '"'"'$2==c {print $1; exit}'"'"'); [ "$n" = 1 ] && exit 0; [ -n "$n" ] && iptables -w -t filter -D INPUT -j "$1"; iptables -w -t filter -I INPUT 1 -j "$1"' sh MK8S-INPUT`,
    )
  })
})

describe('firewall reads, as preflight and doctor capture them', () => {
  it("the nft ruleset is read under its own name, and a table's drop policy comes through", () => {
    const ruleset = JSON.stringify({nftables: [{chain: {family: 'inet', table: 'filter', name: 'input', hook: 'input', policy: 'drop'}}]})
    const captured = new Map(FIREWALL_READS.map(([name], i) => [i, {output: name === 'nft-ruleset' ? ruleset : '', code: 0}]))
    expect(parseFirewalls(firewallCaptures(captured, 0)).nftDrops).toEqual([{family: 'inet', table: 'filter', chain: 'input', hook: 'input', letsPodsThrough: false}])
  })
})
