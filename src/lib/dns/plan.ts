import {writeFileStep} from '../host/files.js'
import {step, type Plan} from '../host/plan.js'
import type {Cluster} from '../state/schema.js'
import {DNS_SCHEMA_VERSION, type DnsRecords} from './records.js'

/** Where the node-local DNS keeps its files (a private /run on each lab host). */
export const DNS_DIR = '/run/mk8s/dns'
/** The device holding the DNS service address on each node, like NodeLocal DNSCache's (a bridge: some kernels lack dummy). */
export const DNS_DEVICE = 'mk8s-dns0'

/** The folder of the Services' hosts files, which dnsmasq watches (--hostsdir). */
export const HOSTS_DIR = `${DNS_DIR}/hosts.d`

/** dnsmasq's configuration: answers the cluster domain from its records only, forwards the rest to the node's resolver. */
export function dnsmasqConf(cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>, dir = DNS_DIR): string {
  return [
    '# mk8s node-local cluster DNS (dnsmasq); written by mk8s',
    `listen-address=${cluster.dnsIP}`,
    'bind-interfaces',
    'port=53',
    // upstreams: the node's own resolvers, copied from /etc/resolv.conf when dnsmasq starts
    'no-resolv',
    'no-hosts',
    `conf-file=${dir}/upstream.conf`,
    `local=/${cluster.clusterDomain}/`,
    'bogus-priv',
    'domain-needed',
    `txt-record=dns-version.${cluster.clusterDomain},"${DNS_SCHEMA_VERSION}"`,
    `hostsdir=${dir}/hosts.d`,
    `conf-file=${dir}/records.conf`,
    `pid-file=${dir}/dnsmasq.pid`,
    `log-facility=${dir}/dnsmasq.log`,
    '',
  ].join('\n')
}

/** Start dnsmasq, or restart it when it runs. Upstreams: the node's nameservers, except the cluster DNS address itself. */
const RELOAD = `d=$1 ip=$2
command -v dnsmasq >/dev/null || { echo "dnsmasq is not installed on this host (apt-get install dnsmasq-base)" >&2; exit 127; }
pid=$(cat "$d/dnsmasq.pid" 2>/dev/null) || pid=
if [ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dnsmasq ]; then
  kill "$pid"
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
awk -v ip="$ip" '$1 == "nameserver" && $2 != ip { print "server=" $2 }' /etc/resolv.conf >"$d/upstream.conf" 2>/dev/null || : >"$d/upstream.conf"
chmod 644 "$d/upstream.conf"
dnsmasq --conf-file="$d/dnsmasq.conf" </dev/null >/dev/null 2>"$d/start.err" || { cat "$d/start.err" >&2; exit 1; }`

const reloadStep = (cluster: Pick<Cluster, 'dnsIP'>) => step(['sh', '-c', RELOAD, 'sh', DNS_DIR, cluster.dnsIP])

/**
 * Hosts files in, one stream: "@@ NAME" starts a file, the lines after it are its content (hosts
 * lines never start with "@@"). Each file is written in place and closed once whole; dnsmasq
 * reads a file again when it is closed after writing (inotify), and answers from what it read
 * before until then. The names given as arguments are removed first.
 */
const WRITE_HOSTS = `cd "$1" || exit 1
shift
[ $# -eq 0 ] || rm -f -- "$@"
umask 022
awk '/^@@ / { if (f != "") close(f); f = $2; printf "" > f; next } f != "" { print > f }'`

/** The bundle of hosts files WRITE_HOSTS reads (and doctor's read of the folder prints). */
export const hostsBundle = (files: Readonly<Record<string, string>>, names: readonly string[] = Object.keys(files)): string =>
  names.map((n) => `@@ ${n}\n${files[n]}`).join('')

/** A bundle back into files (doctor's read of the folder). */
export function parseHostsBundle(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  let name: string | undefined
  for (const line of text.split('\n')) {
    if (line.startsWith('@@ ')) out[(name = line.slice(3).trim())] = ''
    else if (name !== undefined && line) out[name] += `${line}\n`
  }
  return out
}

const writeHostsStep = (files: Readonly<Record<string, string>>, names: readonly string[], remove: readonly string[] = []) =>
  step(['sh', '-c', WRITE_HOSTS, 'sh', HOSTS_DIR, ...remove], {stdin: hostsBundle(files, names)})

/** On join (or whole): the device with the DNS address, dnsmasq's files (the hosts folder afresh), and dnsmasq (restarted if it ran). */
export function dnsStartPlan(cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>, records: DnsRecords): Plan {
  return [
    step(['ip', 'link', 'add', DNS_DEVICE, 'type', 'bridge'], {unless: ['ip', 'link', 'show', DNS_DEVICE]}),
    step(['ip', 'addr', 'replace', `${cluster.dnsIP}/32`, 'dev', DNS_DEVICE]),
    step(['ip', 'link', 'set', DNS_DEVICE, 'up']),
    // dnsmasq drops root after start: its files must be readable by others
    step(['install', '-d', '-m', '755', '/run/mk8s', DNS_DIR]),
    step(['rm', '-rf', HOSTS_DIR]),
    step(['install', '-d', '-m', '755', HOSTS_DIR]),
    ...(Object.keys(records.hosts).length ? [writeHostsStep(records.hosts, Object.keys(records.hosts))] : []),
    writeFileStep(`${DNS_DIR}/records.conf`, records.conf, '644'),
    writeFileStep(`${DNS_DIR}/dnsmasq.conf`, dnsmasqConf(cluster), '644'),
    reloadStep(cluster),
  ]
}

/**
 * From the records a node holds to the state's: the hosts files that changed written, those of
 * Services gone removed (dnsmasq reads them again by itself); a restart only when what dnsmasq
 * reads at start changed (an SRV record, a CNAME, a new namespace's pod records).
 */
export function dnsUpdatePlan(cluster: Pick<Cluster, 'dnsIP'>, before: DnsRecords, after: DnsRecords): Plan {
  const changed = Object.keys(after.hosts).filter((n) => before.hosts[n] !== after.hosts[n])
  const removed = Object.keys(before.hosts).filter((n) => after.hosts[n] === undefined)
  return [
    ...(changed.length || removed.length ? [writeHostsStep(after.hosts, changed, removed)] : []),
    ...(before.conf === after.conf ? [] : [writeFileStep(`${DNS_DIR}/records.conf`, after.conf, '644'), reloadStep(cluster)]),
  ]
}

const STOP = `pid=$(cat "$1/dnsmasq.pid" 2>/dev/null) || exit 0
[ "$(cat /proc/$pid/comm 2>/dev/null)" = dnsmasq ] || exit 0
kill "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done`

/** On leave: dnsmasq, its files and the device go. */
export const dnsStopPlan = (): Plan => [
  step(['sh', '-c', STOP, 'sh', DNS_DIR]),
  step(['rm', '-rf', DNS_DIR]),
  step(['ip', 'link', 'del', DNS_DEVICE], {onlyIf: ['ip', 'link', 'show', DNS_DEVICE]}),
]
