import {filesBundle, parseFilesBundle, writeFileStep, writeFilesStep} from '../host/files.js'
import {step, type Plan} from '../host/plan.js'
import type {Cluster} from '../state/schema.js'
import {DNS_SCHEMA_VERSION, type DnsRecords} from './records.js'

/** Where the node-local DNS keeps what it runs from: its configuration, pid, log and upstreams (a private /run on each lab host). */
export const DNS_DIR = '/run/mk8s/dns'
/** Where it keeps its records, on disk: they outlive a reboot, so that the boot script only starts dnsmasq again. */
export const DNS_DATA_DIR = '/var/lib/mk8s/dns'
/** The device holding the DNS service address on each node, like NodeLocal DNSCache's (a bridge: some kernels lack dummy). */
export const DNS_DEVICE = 'mk8s-dns0'

/** The folder of the Services' hosts files, which dnsmasq watches (--hostsdir). */
export const HOSTS_DIR = `${DNS_DATA_DIR}/hosts.d`
export const RECORDS_CONF = `${DNS_DATA_DIR}/records.conf`

/** dnsmasq's configuration: answers the cluster domain from its records only, forwards the rest to the node's resolver. */
export function dnsmasqConf(cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>, dir = DNS_DIR, data = DNS_DATA_DIR): string {
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
    `hostsdir=${data}/hosts.d`,
    `conf-file=${data}/records.conf`,
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

/** The bundle of hosts files (doctor's read of the folder prints one). */
export const hostsBundle = filesBundle
export const parseHostsBundle = parseFilesBundle

const writeHostsStep = (files: Readonly<Record<string, string>>, names: readonly string[], remove: readonly string[] = []) => writeFilesStep(HOSTS_DIR, files, names, remove)

/** The device with the DNS address, dnsmasq's configuration, and dnsmasq (restarted if it ran), from the records on disk. */
function dnsRunPlan(cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>): Plan {
  return [
    step(['ip', 'link', 'add', DNS_DEVICE, 'type', 'bridge'], {unless: ['ip', 'link', 'show', DNS_DEVICE]}),
    step(['ip', 'addr', 'replace', `${cluster.dnsIP}/32`, 'dev', DNS_DEVICE]),
    step(['ip', 'link', 'set', DNS_DEVICE, 'up']),
    // dnsmasq drops root after start: its files must be readable by others
    step(['install', '-d', '-m', '755', '/run/mk8s', DNS_DIR]),
    writeFileStep(`${DNS_DIR}/dnsmasq.conf`, dnsmasqConf(cluster), '644'),
    reloadStep(cluster),
  ]
}

/** On join (or whole): the records afresh on disk (the hosts folder and records.conf), then dnsmasq as dnsRunPlan starts it. */
export function dnsStartPlan(cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>, records: DnsRecords): Plan {
  const run = dnsRunPlan(cluster)
  return [
    ...run.slice(0, 3),
    step(['install', '-d', '-m', '755', '/var/lib/mk8s', DNS_DATA_DIR]),
    step(['rm', '-rf', HOSTS_DIR]),
    step(['install', '-d', '-m', '755', HOSTS_DIR]),
    ...(Object.keys(records.hosts).length ? [writeHostsStep(records.hosts, Object.keys(records.hosts))] : []),
    writeFileStep(RECORDS_CONF, records.conf, '644'),
    ...run.slice(3),
  ]
}

/** At boot: the records are on disk already; only the device and dnsmasq come back. */
export const dnsBootPlan = (cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>): Plan => dnsRunPlan(cluster)

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
    ...(before.conf === after.conf ? [] : [writeFileStep(RECORDS_CONF, after.conf, '644'), reloadStep(cluster)]),
  ]
}

const STOP = `pid=$(cat "$1/dnsmasq.pid" 2>/dev/null) || exit 0
[ "$(cat /proc/$pid/comm 2>/dev/null)" = dnsmasq ] || exit 0
kill "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done`

/** On leave: dnsmasq, its files (both folders) and the device go. */
export const dnsStopPlan = (): Plan => [
  step(['sh', '-c', STOP, 'sh', DNS_DIR]),
  step(['rm', '-rf', DNS_DIR, DNS_DATA_DIR]),
  step(['ip', 'link', 'del', DNS_DEVICE], {onlyIf: ['ip', 'link', 'show', DNS_DEVICE]}),
]
