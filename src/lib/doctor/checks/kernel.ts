import {step} from '../../host/plan.js'
import {egressPlan} from '../../overlay/egress.js'
import {inputPlan} from '../../firewall/input.js'
import {nthAddress, parseCidr} from '../../util/cidr.js'
import {localAddrs} from '../../trace/facts.js'
import {walkChain, type Branch} from '../../trace/netfilter.js'
import type {Check, Finding} from '../model.js'

const FWD = 'net.ipv4.ip_forward'
const BRNF = 'net.bridge.bridge-nf-call-iptables'

/** ip_forward on, and br_netfilter loaded with bridged frames handed to iptables (kube-proxy needs both). */
export const sysctlChecks: Check = ({facts}) =>
  [...facts.values()].flatMap((f): Finding[] => {
    const out: Finding[] = []
    const fwd = f.sysctl[FWD]
    if (fwd !== undefined && fwd !== '1') {
      out.push({id: 'ip-forward-off', severity: 'error', node: f.node, object: FWD, evidence: `${FWD} = ${fwd}`, fix: `sysctl -w ${FWD}=1`, safe: true, plan: [step(['sysctl', '-w', `${FWD}=1`])]})
    }
    const nf = f.sysctl[BRNF]
    if (nf === undefined) {
      out.push({id: 'br-netfilter-missing', severity: 'warning', node: f.node, object: 'br_netfilter', evidence: `/proc/sys/net/bridge/bridge-nf-call-iptables does not exist: the br_netfilter module is not loaded`, fix: `modprobe br_netfilter; sysctl -w ${BRNF}=1`, safe: true, plan: [step(['modprobe', 'br_netfilter']), step(['sysctl', '-w', `${BRNF}=1`])]})
    } else if (nf !== '1') {
      out.push({id: 'bridge-nf-call-iptables-off', severity: 'warning', node: f.node, object: BRNF, evidence: `${BRNF} = ${nf}: replies between pods on one bridge skip the service rules' un-DNAT`, fix: `sysctl -w ${BRNF}=1`, safe: true, plan: [step(['sysctl', '-w', `${BRNF}=1`])]})
    }
    return out
  })

const blocked = (b: Branch) => b.verdict === 'DROP' || b.verdict === 'REJECT'
const decide = (bs: Branch[]) => [...bs].sort((a, b) => b.probability - a.probability)[0]
const ruleText = (b: Branch) => (b.by ? `${b.by.chain} #${b.by.num}: ${b.by.text}` : `policy ${b.verdict}`)

/**
 * Filter and nat as a pod's packets meet them: FORWARD lets pod traffic through (policy DROP
 * needs mk8s's accept rules), pods leaving the pod network are masqueraded, and VXLAN's UDP port
 * is let in from every peer.
 */
export const netfilterChecks: Check = ({state, facts}) => {
  const cluster = state.cluster
  if (!cluster) return []
  const out: Finding[] = []
  for (const f of facts.values()) {
    const rs = f.iptables
    const node = state.nodes[f.node]
    if (!rs || !node) continue
    const podSrc = nthAddress(parseCidr(node.podCIDR), 2)
    const peers = Object.values(state.nodes).filter((n) => n.name !== node.name)
    const podDst = peers.length ? nthAddress(parseCidr(peers[0].podCIDR), 2) : nthAddress(parseCidr(node.podCIDR), 3)
    const fwd = decide(walkChain(rs, 'filter', 'FORWARD', {src: podSrc, dst: podDst, proto: 'tcp', dport: 80, ctstate: 'NEW', iif: 'cni0', local: localAddrs(f)}))
    if (blocked(fwd)) {
      out.push({id: 'forward-drop', severity: 'error', node: f.node, object: 'filter FORWARD', evidence: `a packet ${podSrc} -> ${podDst} meets ${ruleText(fwd)}${fwd.policy ? ' (no rule accepts pod traffic)' : ''}`, ...(fwd.policy ? {fix: "restore mk8s's accept rules (the MK8S-FORWARD chain and its jump from FORWARD)", safe: true, plan: egressPlan(cluster)} : {fix: `remove the rule that drops pod traffic (${ruleText(fwd)})`, safe: false})})
    }
    const post = walkChain(rs, 'nat', 'POSTROUTING', {src: podSrc, dst: '192.0.2.1', proto: 'tcp', dport: 80, oif: node.iface, local: localAddrs(f)})
    if (!post.some((b) => b.verdict === 'MASQUERADE' || b.verdict === 'SNAT')) {
      out.push({id: 'masquerade-missing', severity: 'warning', node: f.node, object: 'nat POSTROUTING', evidence: `a packet from pod ${podSrc} to 192.0.2.1 leaves ${node.iface} with its pod address: no MASQUERADE rule for ${cluster.podCIDR}`, fix: "restore mk8s's masquerade rules (the MK8S-POSTROUTING chain and its jump from POSTROUTING)", safe: true, plan: egressPlan(cluster)})
    }
    for (const p of peers) {
      const v = decide(walkChain(rs, 'filter', 'INPUT', {src: p.address, dst: node.address, proto: 'udp', dport: 8472, local: localAddrs(f)}))
      if (blocked(v)) {
        // under a DROP policy (ufw's default deny incoming) mk8s's own MK8S-INPUT, first in INPUT, lets VXLAN in; a rule of someone else's is only named
        out.push({id: 'vxlan-port-blocked', severity: 'error', node: f.node, object: 'udp/8472', evidence: `VXLAN from ${p.name} (${p.address}) meets ${ruleText(v)}`, ...(v.by ? {fix: `delete that rule: iptables -t filter -D ${v.by.chain} ${v.by.num}`, safe: false} : {fix: "restore mk8s's MK8S-INPUT chain (VXLAN from the other nodes, pods to their node) first in INPUT", safe: true, plan: inputPlan(cluster, node, Object.values(state.nodes))})})
      }
    }
  }
  return out
}

/** iptables-legacy and iptables-nft both holding rules: two rulesets, and only one is what `iptables` shows. */
export const backendChecks: Check = ({extras}) =>
  [...extras].flatMap(([node, x]): Finding[] =>
    x.backends.legacy > 0 && x.backends.nft > 0
      ? [{id: 'iptables-both-backends', severity: 'warning', node, object: 'iptables', evidence: `iptables-legacy-save has ${x.backends.legacy} rules and iptables-nft-save ${x.backends.nft}: both rule sets apply, each tool shows one`, fix: 'keep one backend (update-alternatives --set iptables ...), move the rules there, flush the other', safe: false}]
      : [],
  )

/** VXLAN's checksum offload (the flannel pitfall): reported, never changed; skipped without ethtool. */
export const offloadChecks: Check = ({extras, facts}) =>
  [...extras].flatMap(([node, x]): Finding[] => {
    if (!facts.get(node)?.links.some((l) => l.ifname === 'flannel.1')) return []
    if (!x.ethtool) return [{id: 'offload-unchecked', severity: 'info', node, object: 'flannel.1', evidence: 'ethtool is not installed: checksum offload not checked', fix: 'install ethtool to check it', safe: false}]
    const on = Object.entries(x.ethtool).filter(([k, v]) => k.startsWith('tx-checksum') && v === 'on').map(([k]) => k)
    return on.length
      ? [{id: 'vxlan-checksum-offload', severity: 'info', node, object: 'flannel.1', evidence: `${on.join(', ')} on: some kernels and NICs corrupt VXLAN checksums with it (flannel turns it off)`, fix: 'if cross-node TCP stalls while ping works: ethtool -K flannel.1 tx-checksum-ip-generic off', safe: false}]
      : []
  })
