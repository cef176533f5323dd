import {writeFileStep} from '../host/files.js'
import {step, type Plan} from '../host/plan.js'
import type {Cluster} from '../state/schema.js'
import type {DnsRecords} from './records.js'

/** Where the node-local DNS keeps its files (a private /run on each lab host). */
export const DNS_DIR = '/run/mk8s/dns'
/** The device holding the DNS service address on each node, like NodeLocal DNSCache's (a bridge: some kernels lack dummy). */
export const DNS_DEVICE = 'mk8s-dns0'

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
    `addn-hosts=${dir}/records.hosts`,
    `conf-file=${dir}/srv.conf`,
    `pid-file=${dir}/dnsmasq.pid`,
    `log-facility=${dir}/dnsmasq.log`,
    '',
  ].join('\n')
}

/**
 * Start dnsmasq, or restart it (mode restart) or make it re-read its records (mode hup) when it runs.
 * Upstreams: the node's nameservers, except the cluster DNS address itself.
 */
const RELOAD = `d=$1 ip=$2 mode=$3
command -v dnsmasq >/dev/null || { echo "dnsmasq is not installed on this host (apt-get install dnsmasq-base)" >&2; exit 127; }
pid=$(cat "$d/dnsmasq.pid" 2>/dev/null) || pid=
if [ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dnsmasq ]; then
  if [ "$mode" = hup ]; then kill -HUP "$pid"; exit 0; fi
  kill "$pid"
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
awk -v ip="$ip" '$1 == "nameserver" && $2 != ip { print "server=" $2 }' /etc/resolv.conf >"$d/upstream.conf" 2>/dev/null || : >"$d/upstream.conf"
chmod 644 "$d/upstream.conf"
dnsmasq --conf-file="$d/dnsmasq.conf" </dev/null >/dev/null 2>"$d/start.err" || { cat "$d/start.err" >&2; exit 1; }`

const reloadStep = (cluster: Pick<Cluster, 'dnsIP'>, mode: 'hup' | 'restart') => step(['sh', '-c', RELOAD, 'sh', DNS_DIR, cluster.dnsIP, mode])

const recordSteps = (r: DnsRecords) => [
  // dnsmasq drops root after start: its files must be readable by others
  step(['install', '-d', '-m', '755', '/run/mk8s', DNS_DIR]),
  writeFileStep(`${DNS_DIR}/records.hosts`, r.hosts, '644'), writeFileStep(`${DNS_DIR}/srv.conf`, r.srv, '644'),
]

/** On join: the device with the DNS address, dnsmasq's files, and dnsmasq (restarted if it ran). */
export function dnsStartPlan(cluster: Pick<Cluster, 'dnsIP' | 'clusterDomain'>, records: DnsRecords): Plan {
  return [
    step(['ip', 'link', 'add', DNS_DEVICE, 'type', 'bridge'], {unless: ['ip', 'link', 'show', DNS_DEVICE]}),
    step(['ip', 'addr', 'replace', `${cluster.dnsIP}/32`, 'dev', DNS_DEVICE]),
    step(['ip', 'link', 'set', DNS_DEVICE, 'up']),
    ...recordSteps(records),
    writeFileStep(`${DNS_DIR}/dnsmasq.conf`, dnsmasqConf(cluster), '644'),
    reloadStep(cluster, 'restart'),
  ]
}

/** When records changed: new files, then SIGHUP (A/PTR only) or a restart (SRV lines are configuration). */
export const dnsUpdatePlan = (cluster: Pick<Cluster, 'dnsIP'>, records: DnsRecords, restart: boolean): Plan => [
  ...recordSteps(records),
  reloadStep(cluster, restart ? 'restart' : 'hup'),
]

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
