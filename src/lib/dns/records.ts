import type {ServiceRecord, State} from '../state/schema.js'
import {endpointsOf, selectedPods} from '../svc/endpoints.js'
import {ipToNum} from '../util/cidr.js'

/**
 * The cluster's DNS records, per the Kubernetes DNS specification, as dnsmasq reads them:
 * `hosts` (an --addn-hosts file: A records, and PTR from each line's first name; re-read on SIGHUP)
 * and `srv` (srv-host lines: config, so a change needs a restart).
 */
export interface DnsRecords {
  hosts: string
  srv: string
}

/** "10.244.1.5" -> "10-244-1-5", the name Kubernetes gives an address. */
export const dashed = (ip: string): string => ip.replaceAll('.', '-')

export const serviceFqdn = (svc: Pick<ServiceRecord, 'namespace' | 'name'>, domain: string): string => `${svc.name}.${svc.namespace}.svc.${domain}`

const sortedServices = (state: State): ServiceRecord[] =>
  Object.entries(state.services)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => s)

const isHeadless = (svc: ServiceRecord): boolean => svc.clusterIP === 'None' || svc.clusterIP === ''

/** SRV weight as CoreDNS gives it: the targets of one name share 100. */
const weight = (n: number): number => Math.max(1, Math.floor(100 / Math.max(1, n)))

export function renderDnsRecords(state: State, domain: string): DnsRecords {
  const hosts: string[] = ['# mk8s cluster DNS records (A, and PTR from the first name on a line); written by mk8s']
  const srv: string[] = ['# mk8s cluster DNS SRV records for named service ports; written by mk8s']
  const services = sortedServices(state)
  // services with a ClusterIP: <svc>.<ns>.svc -> ClusterIP (the PTR of the ClusterIP names it)
  for (const svc of services.filter((s) => !isHeadless(s))) {
    const fqdn = serviceFqdn(svc, domain)
    hosts.push(`${svc.clusterIP} ${fqdn}`)
    for (const p of svc.ports.filter((p) => p.name)) srv.push(`srv-host=_${p.name}._${p.protocol.toLowerCase()}.${fqdn},${fqdn},${p.port},0,100`)
  }
  // headless services: one A per ready pod, under the service's name and the pod's own name in it
  for (const svc of services.filter(isHeadless)) {
    const fqdn = serviceFqdn(svc, domain)
    for (const pod of selectedPods(state, svc)) hosts.push(`${pod.ip} ${dashed(pod.ip!)}.${fqdn} ${fqdn}`)
    for (const {port, endpoints} of endpointsOf(state, svc)) {
      if (!port.name) continue
      for (const e of endpoints) srv.push(`srv-host=_${port.name}._${port.protocol.toLowerCase()}.${fqdn},${dashed(e.ip)}.${fqdn},${e.port},0,${weight(endpoints.length)}`)
    }
  }
  // pods: a-b-c-d.<ns>.pod
  const pods = Object.values(state.pods)
    .filter((p) => p.ip && p.phase === 'Running' && (p.network ?? 'pod') === 'pod')
    .sort((a, b) => ipToNum(a.ip!) - ipToNum(b.ip!) || a.namespace.localeCompare(b.namespace))
  for (const p of pods) hosts.push(`${p.ip} ${dashed(p.ip!)}.${p.namespace}.pod.${domain}`)
  return {hosts: hosts.join('\n') + '\n', srv: srv.join('\n') + '\n'}
}
