import {overlaps, parseCidr} from '../../util/cidr.js'
import {bridgeName, VTEP} from '../../trace/facts.js'
import type {Check, Finding} from '../model.js'

const VPN = /^(tun|tap|wg|tailscale|utun|ppp|zt|ipsec|vti|nordlynx|proton)/

function overlapping(net: string, ours: Array<[string, string]>): string | undefined {
  try {
    const c = parseCidr(net.includes('/') ? net : `${net}/32`)
    return ours.find(([, o]) => overlaps(c, parseCidr(o)))?.[0]
  } catch {
    return undefined
  }
}

/** Docker reachable (the socket's permissions), and no network of the host overlapping the cluster's pools. */
export const hostChecks: Check = ({state, docker, facts}) => {
  const cluster = state.cluster
  const out: Finding[] = []
  for (const [node, d] of docker) {
    if (!d.error) continue
    const user = state.nodes[node]?.target.kind === 'ssh' ? (state.nodes[node].target as {user: string}).user : '$USER'
    const denied = /permission denied/i.test(d.error)
    out.push({id: denied ? 'docker-socket-denied' : 'docker-unreachable', severity: 'error', node, object: '/var/run/docker.sock', evidence: d.error, fix: denied ? `add ${user} to the docker group (usermod -aG docker ${user}, then log in again); never chmod 777 the socket` : 'start dockerd on the node', safe: false})
  }
  if (!cluster) return out
  const ours: Array<[string, string]> = [['pod CIDR', cluster.podCIDR], ['service CIDR', cluster.serviceCIDR]]
  for (const [node, d] of docker) {
    for (const n of d.networks) {
      for (const s of n.subnets) {
        const hit = overlapping(s, ours)
        if (hit) out.push({id: 'pool-overlap', severity: 'error', node, object: `docker network ${n.name}`, evidence: `its subnet ${s} overlaps the cluster's ${hit} ${hit === 'pod CIDR' ? cluster.podCIDR : cluster.serviceCIDR}`, fix: `remove or re-address that network (docker network rm ${n.name}), or choose other pools at cluster init`, safe: false})
      }
    }
  }
  for (const f of facts.values()) {
    const podNets = new Set(Object.values(state.nodes).map((n) => n.podCIDR))
    for (const r of f.routes) {
      if (r.dst === 'default' || r.dev === bridgeName || r.dev === VTEP || podNets.has(r.dst) || r.dev?.startsWith('docker') || r.dev?.startsWith('br-')) continue
      const hit = overlapping(r.dst, ours)
      if (!hit) continue
      const vpn = r.dev && VPN.test(r.dev)
      out.push({id: 'pool-overlap', severity: 'error', node: f.node, object: `route ${r.dst}`, evidence: `${r.dst} dev ${r.dev ?? '?'}${vpn ? ' (a VPN-like interface)' : ''} overlaps the cluster's ${hit}`, fix: 'move that network, or choose other pools at cluster init', safe: false})
    }
  }
  return out
}

/** Namespaces that the state says mk8s made, but the host no longer has. */
export const netnsChecks: Check = ({state, extras}) =>
  Object.values(state.netns).flatMap((n): Finding[] => {
    const x = extras.get(n.node)
    if (!x || x.netns.includes(n.name)) return []
    return [{id: 'netns-gone', severity: 'warning', node: n.node, object: `netns/${n.name}`, evidence: `the state has namespace ${n.name} on ${n.node}, ip netns list does not`, fix: `mk8s netns del ${n.name} --node ${n.node} (forgets it)`, safe: false}]
  })
