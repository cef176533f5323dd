import type {Cluster, PodRecord, ServiceRecord, State} from '../state/schema.js'
import {endpointAddresses, endpointsOf, selectedPods} from '../svc/endpoints.js'

/** The version of the Kubernetes DNS-Based Service Discovery specification these records follow (its dns-version TXT record). */
export const DNS_SCHEMA_VERSION = '1.1.0'

/**
 * The cluster's DNS records, per the Kubernetes DNS specification, as dnsmasq reads them:
 * `hosts`, one hosts file per Service that has addresses (dnsmasq's --hostsdir: A records, and a
 * PTR from each line's first name; a file written or removed is read again by dnsmasq at once, so
 * a change of one Service rewrites one small file); `conf`, what dnsmasq only reads when it starts
 * (SRV records of named ports, the CNAMEs of ExternalName Services, and the pod records
 * a-b-c-d.NAMESPACE.pod, synthesized for every address of the pod network: no file changes when a
 * pod comes or goes).
 */
export interface DnsRecords {
  /** file name ("SERVICE.NAMESPACE") -> its hosts lines */
  hosts: Record<string, string>
  conf: string
}

/** "10.244.1.5" -> "10-244-1-5", the name Kubernetes gives an address. */
export const dashed = (ip: string): string => ip.replaceAll('.', '-')

export const serviceFqdn = (svc: Pick<ServiceRecord, 'namespace' | 'name'>, domain: string): string => `${svc.name}.${svc.namespace}.svc.${domain}`

const byKey = <T>(record: Record<string, T>): T[] =>
  Object.entries(record)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, v]) => v)

const isExternal = (svc: ServiceRecord): boolean => svc.type === 'ExternalName'
const isHeadless = (svc: ServiceRecord): boolean => !isExternal(svc) && (svc.clusterIP === 'None' || svc.clusterIP === '')

/** SRV weight as CoreDNS gives it: the targets of one name share 100. */
const weight = (n: number): number => Math.max(1, Math.floor(100 / Math.max(1, n)))

/**
 * The specification's _hostname_ of a headless Service's endpoint: the hostname listed with an
 * address given by hand (Endpoints, EndpointSlice); the pod's spec.hostname when its spec.subdomain
 * names this Service (a StatefulSet's pods, or pods given both); otherwise a name of its own that
 * identifies it in the Service: its address, dashed.
 */
const hostnameOf = (svc: ServiceRecord, ip: string, pod: PodRecord | undefined, listed?: string): string =>
  listed ?? (pod?.spec.hostname && pod.spec.subdomain === svc.name ? pod.spec.hostname : dashed(ip))

/** The namespaces whose pod records dnsmasq synthesizes: default, every applied one, and every one that holds a pod. */
const podNamespaces = (state: State): string[] =>
  [...new Set(['default', ...Object.keys(state.namespaces), ...Object.values(state.pods).map((p) => p.namespace)])].sort()

/** One Service's records: its hosts file (undefined: none), its SRV lines and its CNAME lines. */
export interface ServiceDns {
  file: string
  hosts?: string
  srv: string[]
  cnames: string[]
}

export function serviceDnsRecords(state: State, svc: ServiceRecord, domain: string): ServiceDns {
  const fqdn = serviceFqdn(svc, domain)
  const out: ServiceDns = {file: `${svc.name}.${svc.namespace}`, srv: [], cnames: []}
  if (isExternal(svc)) {
    // <svc>.<ns>.svc CNAME <externalName>: no address, no SRV
    if (svc.externalName) out.cnames.push(`cname=${fqdn},${svc.externalName.replace(/\.$/, '')}`)
    return out
  }
  if (!isHeadless(svc)) {
    // <svc>.<ns>.svc -> the ClusterIP (its PTR names the Service); _port._proto.<svc>.<ns>.svc -> the Service's own name
    out.hosts = `${svc.clusterIP} ${fqdn}\n`
    for (const p of svc.ports.filter((p) => p.name)) out.srv.push(`srv-host=_${p.name}._${p.protocol.toLowerCase()}.${fqdn},${fqdn},${p.port},0,100`)
    return out
  }
  // headless: one A (and PTR) per ready endpoint, under the Service's name and the endpoint's own
  // (none: NXDOMAIN, as the specification says); one SRV per ready endpoint and named port
  const pods = new Map(selectedPods(state, svc).map((p) => [p.name, p]))
  const nameOf = (e: {ip: string; pod?: string; hostname?: string}) => `${hostnameOf(svc, e.ip, e.pod ? pods.get(e.pod) : undefined, e.hostname)}.${fqdn}`
  const addrs = endpointAddresses(state, svc)
  if (addrs.length) out.hosts = addrs.map((e) => `${e.ip} ${nameOf(e)} ${fqdn}\n`).join('')
  for (const {port, endpoints} of endpointsOf(state, svc)) {
    if (!port.name) continue
    for (const e of endpoints) out.srv.push(`srv-host=_${port.name}._${port.protocol.toLowerCase()}.${fqdn},${nameOf(e)},${e.port},0,${weight(endpoints.length)}`)
  }
  return out
}

/** What dnsmasq reads at start: the pod records of each namespace, then every SRV line, then every CNAME line. */
function confOf(state: State, cluster: Pick<Cluster, 'clusterDomain' | 'podCIDR'>, srv: readonly string[], cnames: readonly string[]): string {
  return [
    '# mk8s cluster DNS records dnsmasq reads when it starts (pod records, SRV, CNAME); written by mk8s',
    // a-b-c-d.<ns>.pod -> a.b.c.d for every address of the pod network (the specification's deprecated pod records)
    ...podNamespaces(state).map((ns) => `synth-domain=${ns}.pod.${cluster.clusterDomain},${cluster.podCIDR}`),
    ...srv,
    ...cnames,
    '',
  ].join('\n')
}

export function renderDnsRecords(state: State, cluster: Pick<Cluster, 'clusterDomain' | 'podCIDR'>): DnsRecords {
  const hosts: Record<string, string> = {}
  const srv: string[] = []
  const cnames: string[] = []
  for (const svc of byKey(state.services)) {
    const r = serviceDnsRecords(state, svc, cluster.clusterDomain)
    if (r.hosts !== undefined) hosts[r.file] = r.hosts
    srv.push(...r.srv)
    cnames.push(...r.cnames)
  }
  return {hosts, conf: confOf(state, cluster, srv, cnames)}
}

/**
 * The records of a change that touched only `keys` (services, by "namespace/name"), as two
 * partial record sets: the hosts files of those services in each state, and the conf of each
 * state rendered whole only when those services' SRV or CNAME lines, or the namespaces, differ
 * (else both confs are '' and equal). What a change costs then grows with what it touched.
 */
export function touchedDnsRecords(before: State, after: State, cluster: Pick<Cluster, 'clusterDomain' | 'podCIDR'>, keys: readonly string[]): {before: DnsRecords; after: DnsRecords} {
  const part = (state: State) => {
    const hosts: Record<string, string> = {}
    const lines: string[] = []
    for (const k of [...keys].sort()) {
      const svc = state.services[k]
      if (!svc) continue
      const r = serviceDnsRecords(state, svc, cluster.clusterDomain)
      if (r.hosts !== undefined) hosts[r.file] = r.hosts
      // (a service with no SRV nor CNAME line adds none: a Service added or removed without named ports leaves the conf as it is)
      if (r.srv.length || r.cnames.length) lines.push(k, ...r.srv, '', ...r.cnames, '')
    }
    return {hosts, lines: lines.join('\n'), namespaces: podNamespaces(state).join(' ')}
  }
  const b = part(before)
  const a = part(after)
  // a touched service gone has a file in `before` only: dnsUpdatePlan removes it
  const confChanged = b.lines !== a.lines || b.namespaces !== a.namespaces
  return {
    before: {hosts: b.hosts, conf: confChanged ? renderDnsRecords(before, cluster).conf : ''},
    after: {hosts: a.hosts, conf: confChanged ? renderDnsRecords(after, cluster).conf : ''},
  }
}
