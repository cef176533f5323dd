import {InputError} from '../errors.js'
import type {Cluster, ServicePort, ServiceRecord, State} from '../state/schema.js'
import {cidrSize, contains, nthAddress, parseCidr} from '../util/cidr.js'

/**
 * A ClusterIP: the one asked for (checked: inside the service CIDR, not its network address, free),
 * else the lowest free address, skipping the network address, .1 (the kubernetes service) and the DNS address.
 */
export function allocateClusterIP(state: State, cluster: Cluster, self: string, asked?: string): string {
  if (asked === 'None') return 'None'
  const c = parseCidr(cluster.serviceCIDR)
  const taken = new Map<string, string>()
  for (const k in state.services) {
    const ip = state.services[k].clusterIP
    if (k !== self && ip) taken.set(ip, k)
  }
  if (asked) {
    if (!contains(c, asked) || asked === nthAddress(c, 0)) throw new InputError(`clusterIP ${asked} is not a usable address of the service CIDR ${c.text}`)
    if (taken.has(asked)) throw new InputError(`clusterIP ${asked} is taken by service ${taken.get(asked)}`, 'leave clusterIP out to get a free one')
    return asked
  }
  const reserved = new Set([nthAddress(c, 1), cluster.dnsIP])
  for (let i = 2; i < cidrSize(c) - 1; i++) {
    const ip = nthAddress(c, i)
    if (!taken.has(ip) && !reserved.has(ip)) return ip
  }
  throw new InputError(`the service CIDR ${c.text} has no free address left`, 'delete services, or use a larger --service-cidr')
}

/** NodePorts for a NodePort/LoadBalancer service's ports: kept, asked for (checked), or the lowest free in the range. */
export function allocateNodePorts(state: State, cluster: Cluster, self: string, type: ServiceRecord['type'], ports: ServicePort[], old?: ServiceRecord): ServicePort[] {
  if (type === 'ClusterIP' || type === 'ExternalName') return ports.map(({nodePort: _drop, ...p}) => p)
  const [lo, hi] = cluster.nodePortRange
  const taken = new Map<number, string>()
  for (const [k, s] of Object.entries(state.services)) if (k !== self) for (const p of s.ports) if (p.nodePort) taken.set(p.nodePort, k)
  const mine = new Set<number>()
  const asked = ports.map((p) => p.nodePort)
  for (const n of asked) {
    if (n === undefined) continue
    if (n < lo || n > hi) throw new InputError(`nodePort ${n} is outside the NodePort range ${lo}-${hi}`, `choose a port in ${lo}-${hi}, or leave it out to get a free one`)
    if (taken.has(n) || mine.has(n)) throw new InputError(`nodePort ${n} is already taken${taken.has(n) ? ` by service ${taken.get(n)}` : ''}`, 'choose another, or leave it out to get a free one')
    mine.add(n)
  }
  let next = lo
  return ports.map((p) => {
    if (p.nodePort !== undefined) return p
    const kept = old?.ports.find((o) => o.port === p.port && o.protocol === p.protocol)?.nodePort
    if (kept !== undefined && !taken.has(kept) && !mine.has(kept)) {
      mine.add(kept)
      return {...p, nodePort: kept}
    }
    while (next <= hi && (taken.has(next) || mine.has(next))) next++
    if (next > hi) throw new InputError(`the NodePort range ${lo}-${hi} has no free port left`, 'delete a NodePort service')
    mine.add(next)
    return {...p, nodePort: next}
  })
}
