/**
 * What doctor reads besides trace's host facts, in the same round trip: Docker's containers,
 * networks and the last log lines of exited mk8s containers (through the docker CLI, whose
 * failure also tells whether the socket is reachable), how many rules each iptables backend holds,
 * ethtool's offloads on the VTEP, UDP conntrack entries, and the network namespaces.
 */
import {LABEL_CONTAINER, LABEL_UID} from '../pod/plan.js'
import type {Captured} from '../host/plan.js'
import {parseLeases} from '../pod/leases.js'
import {DNS_DIR, HOSTS_DIR, RECORDS_CONF, parseHostsBundle} from '../dns/plan.js'
import {BOOT_PARTS_DIR, BOOT_SCRIPT} from '../boot/plan.js'
import {parseFilesBundle} from '../host/files.js'
import {SERVICES_DIR} from '../svc/sync.js'
import {INGRESS_DIR} from '../ingress/nginx.js'

const CONTAINERS = 'ids=$(docker ps -aq) || exit $?; if [ -n "$ids" ]; then docker inspect $ids; else echo "[]"; fi'
const NETWORKS = 'ids=$(docker network ls -q) || exit $?; if [ -n "$ids" ]; then docker network inspect $ids; else echo "[]"; fi'
const LOGS = 'for id in $(docker ps -aq --filter status=exited --filter "label=$1"); do echo "@@logs $id"; docker logs --tail 5 "$id" 2>&1; done; true'
/** "<container id> net:[inode]" for every running mk8s container: whose network namespace each is in */
const NETNS_OF = 'ids=$(docker ps -q --filter "label=$1"); [ -n "$ids" ] || exit 0; docker inspect -f "{{.Id}} {{.State.Pid}}" $ids | while read -r id pid; do [ "$pid" -gt 0 ] 2>/dev/null && echo "$id $(readlink /proc/$pid/ns/net)"; done; true'
const RUNNING = 'pid=$(cat "$1/$2.pid" 2>/dev/null) && [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$2" ] && echo running; true'
/** the hosts folder as WRITE_HOSTS reads it ("@@ NAME", then the file); fails when the folder is gone */
/** A folder's files as one bundle ("@@ NAME", then its lines); fails when the folder is not there. */
const FOLDER = 'cd "$1" || exit 1; for f in *; do [ -f "$f" ] || continue; echo "@@ $f"; cat "$f"; done'
const DNS_HOSTS = FOLDER
const DNS_RUNNING = 'pid=$(cat "$1/dnsmasq.pid" 2>/dev/null) && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dnsmasq ] && echo running; true'
const BACKENDS = 'for b in legacy nft; do n=$(iptables-$b-save 2>/dev/null | grep -c "^-A"); echo "$b=${n:-0}"; done'
const ETHTOOL = 'command -v ethtool >/dev/null || { echo no-ethtool; exit 0; }; ip link show "$1" >/dev/null 2>&1 || exit 0; ethtool -k "$1" | grep -E "^tx-checksum"; true'

export function doctorReads(opts: {conntrack: boolean}): Array<[string, readonly string[]]> {
  return [
    ['docker', ['docker', 'version', '--format', '{{.Server.Version}}']],
    ['containers', ['sh', '-c', CONTAINERS]],
    ['networks', ['sh', '-c', NETWORKS]],
    ['logs', ['sh', '-c', LOGS, 'sh', LABEL_CONTAINER]],
    ['netns-of', ['sh', '-c', NETNS_OF, 'sh', LABEL_UID]],
    ['dns-hosts', ['sh', '-c', DNS_HOSTS, 'sh', HOSTS_DIR]],
    ['dns-conf', ['cat', RECORDS_CONF]],
    ['dns-running', ['sh', '-c', DNS_RUNNING, 'sh', DNS_DIR]],
    ['ingress-conf', ['cat', `${INGRESS_DIR}/nginx.conf`]],
    ['ingress-running', ['sh', '-c', RUNNING, 'sh', INGRESS_DIR, 'nginx']],
    ['backends', ['sh', '-c', BACKENDS]],
    ['ethtool', ['sh', '-c', ETHTOOL, 'sh', 'flannel.1']],
    ['netns', ['ip', '-j', 'netns', 'list']],
    ['netpol', ['nft', '-j', 'list', 'table', 'inet', 'mk8s-netpol']],
    ['boot-script', ['cat', BOOT_SCRIPT]],
    ['boot-parts', ['sh', '-c', FOLDER, 'sh', BOOT_PARTS_DIR]],
    ['svc-files', ['sh', '-c', FOLDER, 'sh', SERVICES_DIR]],
    ...(opts.conntrack ? [['conntrack', ['conntrack', '-L', '-p', 'udp']] as [string, string[]]] : []),
  ]
}

export interface ContainerInfo {
  id: string
  name: string
  running: boolean
  status: string
  exitCode: number
  pid: number
  labels: Record<string, string>
  /** a running mk8s container's network namespace ("net:[4026532281]") */
  netns?: string
  /** the last lines of an exited mk8s container */
  logs?: string
}

export interface DockerFacts {
  /** the docker CLI could not talk to the daemon: its message */
  error?: string
  containers: ContainerInfo[]
  networks: Array<{name: string; subnets: string[]}>
}

export interface NodeExtras {
  backends: {legacy: number; nft: number}
  /** undefined: ethtool missing; else "feature: on|off" */
  ethtool?: Record<string, string>
  netns: string[]
  conntrack: string[]
  /** `nft -j list table inet mk8s-netpol` (not JSON when the table is not there) */
  netpol?: string
  /** the cluster DNS on the node: its record files (undefined: missing) and whether dnsmasq runs (undefined: not read) */
  dns?: {hosts?: Record<string, string>; conf?: string; running: boolean}
  /** the ingress controller on the node: its configuration (undefined: none) and whether nginx runs */
  ingress?: {conf?: string; running: boolean}
  /** host-local's leases on the node (undefined: not read) */
  leases?: Array<{ip: string; container: string}>
  /** what the node would boot from: its boot script, the script's parts and the services' files, by name (undefined: missing) */
  boot?: {script?: string; parts?: Record<string, string>; services?: Record<string, string>}
}

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T
  } catch {
    return fallback
  }
}

type J = Record<string, any>

export function parseDocker(r: ReadonlyMap<string, Captured>): DockerFacts {
  const v = r.get('docker')
  if (!v || v.code !== 0) return {error: (v?.output ?? 'docker did not answer').trim().split('\n').slice(-2).join(' '), containers: [], networks: []}
  const logs = new Map<string, string>()
  for (const chunk of (r.get('logs')?.output ?? '').split(/^@@logs /m).slice(1)) {
    const nl = chunk.indexOf('\n')
    logs.set(chunk.slice(0, nl).trim(), chunk.slice(nl + 1).trim())
  }
  const netns = new Map((r.get('netns-of')?.output ?? '').split('\n').map((l) => l.trim().split(' ')).filter((f) => f.length === 2 && f[1].startsWith('net:')) as Array<[string, string]>)
  const containers = json<J[]>(r.get('containers')?.output ?? '[]', []).map((c): ContainerInfo => {
    const id = String(c.Id)
    const log = logs.get(id) ?? logs.get(id.slice(0, 12))
    const ns = netns.get(id)
    return {
      id,
      name: String(c.Name ?? '').replace(/^\//, ''),
      running: Boolean(c.State?.Running),
      status: String(c.State?.Status ?? ''),
      exitCode: Number(c.State?.ExitCode ?? 0),
      pid: Number(c.State?.Pid ?? 0),
      labels: c.Config?.Labels ?? {},
      ...(ns ? {netns: ns} : {}),
      ...(log !== undefined ? {logs: log} : {}),
    }
  })
  const networks = json<J[]>(r.get('networks')?.output ?? '[]', []).map((n) => ({name: String(n.Name), subnets: (n.IPAM?.Config ?? []).map((c: J) => c.Subnet).filter(Boolean)}))
  return {containers, networks}
}

export function parseExtras(r: ReadonlyMap<string, Captured>): NodeExtras {
  const backends = {legacy: 0, nft: 0}
  for (const line of (r.get('backends')?.output ?? '').split('\n')) {
    const m = /^(legacy|nft)=(\d+)/.exec(line)
    if (m) backends[m[1] as 'legacy' | 'nft'] = Number(m[2])
  }
  const eth = r.get('ethtool')?.output ?? ''
  let ethtool: Record<string, string> | undefined
  if (!eth.includes('no-ethtool')) {
    ethtool = {}
    for (const line of eth.split('\n')) {
      const m = /^([\w-]+):\s*(on|off)/.exec(line.trim())
      if (m) ethtool[m[1]] = m[2]
    }
  }
  const netns = json<J[]>(r.get('netns')?.output ?? '[]', []).map((n) => String(n.name))
  const ct = r.get('conntrack')
  const conntrack = ct && ct.code === 0 ? ct.output.split('\n').filter((l) => l.startsWith('udp')) : []
  const np = r.get('netpol')
  const file = (k: string) => (r.get(k)?.code === 0 ? r.get(k)!.output : undefined)
  const dr = r.get('dns-running')
  const hostsText = file('dns-hosts')
  const dns = dr ? {hosts: hostsText === undefined ? undefined : parseHostsBundle(hostsText), conf: file('dns-conf'), running: dr.output.includes('running')} : undefined
  const ir = r.get('ingress-running')
  const ingress = ir ? {conf: file('ingress-conf'), running: ir.output.includes('running')} : undefined
  const lr = r.get('cni-leases')
  const bundle = (k: string) => (file(k) === undefined ? undefined : parseFilesBundle(file(k)!))
  const boot = r.get('boot-script') ? {script: file('boot-script'), parts: bundle('boot-parts'), services: bundle('svc-files')} : undefined
  return {backends, ...(boot ? {boot} : {}), ethtool, netns, conntrack, ...(np ? {netpol: np.code === 0 ? np.output : ''} : {}), ...(lr && lr.code === 0 ? {leases: parseLeases(lr.output)} : {}), ...(dns ? {dns} : {}), ...(ingress ? {ingress} : {})}
}

