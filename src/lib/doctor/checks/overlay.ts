import {step, type Step} from '../../host/plan.js'
import {peerPlan} from '../../overlay/plan.js'
import type {Cluster, NodeRecord} from '../../state/schema.js'
import {nthAddress, parseCidr} from '../../util/cidr.js'
import {link, VTEP, type HostFacts} from '../../trace/facts.js'
import type {Check, Finding} from '../model.js'

const vtepIp = (n: Pick<NodeRecord, 'podCIDR'>) => nthAddress(parseCidr(n.podCIDR), 0)

function entry(node: string, object: string, id: string, evidence: string, plan: Step[]): Finding {
  return {id, severity: id.startsWith('stale') ? 'warning' : 'error', node, object, evidence, fix: plan.map((s) => s.argv.join(' ')).join('; '), safe: true, plan}
}

/** The route, ARP and FDB entries a VXLAN node must hold for one peer, compared with what it holds. */
function vxlanPeer(cluster: Pick<Cluster, 'backend'>, me: NodeRecord, f: HostFacts, peer: NodeRecord, peerMac: string | undefined): Finding[] {
  const out: Finding[] = []
  const fix = peerPlan(cluster, me, peer)
  const gw = vtepIp(peer)
  const r = f.routes.find((x) => x.dst === peer.podCIDR)
  if (!r || r.gateway !== gw || r.dev !== VTEP || !r.onlink) {
    out.push(entry(f.node, `route ${peer.podCIDR}`, r ? 'route-wrong' : 'route-missing', r ? `${peer.podCIDR} goes via ${r.gateway ?? '-'} dev ${r.dev}, not via ${gw} dev ${VTEP} onlink` : `no route for ${peer.name}'s pods (${peer.podCIDR})`, fix))
  }
  if (!peerMac) return out
  const n = f.neigh.find((x) => x.ip === gw)
  if (!n || n.mac !== peerMac || !n.state.includes('PERMANENT')) {
    out.push(entry(f.node, `neigh ${gw}`, n ? 'arp-stale' : 'arp-missing', n ? `${gw} is ${n.mac ?? 'incomplete'} (${n.state.join(',')}), ${peer.name}'s VTEP is ${peerMac}` : `no ARP entry for ${peer.name}'s VTEP ${gw}`, fix))
  }
  const e = f.fdb.find((x) => x.mac === peerMac)
  if (!e || e.dst !== peer.address) {
    out.push(entry(f.node, `fdb ${peerMac}`, e ? 'fdb-stale' : 'fdb-missing', e ? `${peerMac} points to ${e.dst}, ${peer.name} is ${peer.address}` : `no FDB entry sending ${peer.name}'s VTEP MAC ${peerMac} to ${peer.address}`, fix))
  }
  return out
}

/** Entries on flannel.1 for nodes that are no longer there. */
function vxlanStale(f: HostFacts, nodes: NodeRecord[], macs: Set<string>): Finding[] {
  const out: Finding[] = []
  const cidrs = new Set(nodes.map((n) => n.podCIDR))
  const gws = new Set(nodes.map(vtepIp))
  const addrs = new Set(nodes.map((n) => n.address))
  for (const r of f.routes.filter((x) => x.dev === VTEP && !cidrs.has(x.dst))) {
    out.push(entry(f.node, `route ${r.dst}`, 'stale-route', `${r.dst} via ${r.gateway} dev ${VTEP}: no node has that subnet`, [step(['ip', 'route', 'del', r.dst, 'dev', VTEP], {tolerate: true})]))
  }
  for (const n of f.neigh.filter((x) => !gws.has(x.ip))) {
    out.push(entry(f.node, `neigh ${n.ip}`, 'stale-arp', `${n.ip} (${n.mac ?? '?'}) on ${VTEP} is no node's VTEP`, [step(['ip', 'neigh', 'del', n.ip, 'dev', VTEP], {tolerate: true})]))
  }
  for (const e of f.fdb.filter((x) => x.dst && !addrs.has(x.dst) && !macs.has(x.mac) && x.mac !== '00:00:00:00:00:00')) {
    out.push(entry(f.node, `fdb ${e.mac}`, 'stale-fdb', `${e.mac} -> ${e.dst} on ${VTEP}: no node has that address`, [step(['bridge', 'fdb', 'del', e.mac, 'dev', VTEP, 'dst', e.dst!], {tolerate: true})]))
  }
  return out
}

/** Per node and peer: the overlay's routes (host-gw) or route + ARP + FDB entries (vxlan), missing, wrong or stale. */
export const overlayChecks: Check = ({state, facts}) => {
  const cluster = state.cluster
  if (!cluster) return []
  const nodes = Object.values(state.nodes)
  const out: Finding[] = []
  for (const f of facts.values()) {
    const me = state.nodes[f.node]
    if (!me) continue
    const peers = nodes.filter((n) => n.name !== me.name)
    if (cluster.backend === 'host-gw') {
      for (const p of peers) {
        const r = f.routes.find((x) => x.dst === p.podCIDR)
        if (!r || r.gateway !== p.address) out.push(entry(f.node, `route ${p.podCIDR}`, r ? 'route-wrong' : 'route-missing', r ? `${p.podCIDR} goes via ${r.gateway ?? '-'} dev ${r.dev}, not via ${p.address}` : `no route for ${p.name}'s pods (${p.podCIDR})`, peerPlan(cluster, me, p)))
      }
      continue
    }
    if (!link(f, VTEP)) {
      if (peers.length) out.push({id: 'vtep-missing', severity: 'error', node: f.node, object: VTEP, evidence: `${VTEP} does not exist on ${f.node}`, fix: `make the node join again (mk8s node leave ${f.node}; mk8s node join ${f.node} ...)`, safe: false})
      continue
    }
    const macs = new Set<string>()
    for (const p of peers) {
      const mac = facts.get(p.name) && link(facts.get(p.name)!, VTEP)?.mac
      if (mac) macs.add(mac)
      out.push(...vxlanPeer(cluster, me, f, p, mac))
    }
    out.push(...vxlanStale(f, peers, macs))
  }
  return out
}
