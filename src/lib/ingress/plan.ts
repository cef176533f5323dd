import {writeFileStep} from '../host/files.js'
import {step, type Plan} from '../host/plan.js'
import {INGRESS_DIR, type NginxFiles} from './nginx.js'

/**
 * Swap a checked configuration in: `nginx -t` on the new file first (a bad one leaves the running
 * nginx as it was), then reload (graceful: old workers finish their connections), or start.
 */
const SWAP = `d=$1
command -v nginx >/dev/null || { echo "nginx is not installed on this host (apt-get install nginx-light)" >&2; exit 127; }
nginx -t -q -p "$d/" -e "$d/error.log" -c "$d/nginx.conf.new" || exit 1
mv -f "$d/nginx.conf.new" "$d/nginx.conf"
for f in "$d"/tls/*; do [ -e "$f" ] || continue; grep -qF "$f;" "$d/nginx.conf" || rm -f "$f"; done
pid=$(cat "$d/nginx.pid" 2>/dev/null) || pid=
if [ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = nginx ]; then
  nginx -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" -s reload
else
  nginx -p "$d/" -e "$d/error.log" -c "$d/nginx.conf" </dev/null >/dev/null 2>"$d/start.err" || { cat "$d/start.err" >&2; exit 1; }
fi`

/** The default server's certificate (as ingress-nginx's fake one): made once per node. */
const defaultCertStep = (dir: string) =>
  step(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=mk8s ingress default certificate', '-keyout', `${dir}/default.key`, '-out', `${dir}/default.crt`], {
    unless: ['test', '-s', `${dir}/default.crt`],
  })

/** Files and reload on the ingress node: one round trip. */
export function ingressSyncPlan(files: NginxFiles, dir = INGRESS_DIR): Plan {
  return [
    // nginx's workers (nobody) use tmp/; the certificates are for root (the master) only
    step(['install', '-d', '-m', '755', '/run/mk8s', dir, `${dir}/tmp`]),
    step(['install', '-d', '-m', '700', `${dir}/tls`]),
    defaultCertStep(dir),
    ...[...files.certs].map(([path, pem]) => writeFileStep(path, pem, '600')),
    writeFileStep(`${dir}/nginx.conf.new`, files.conf, '644'),
    step(['sh', '-c', SWAP, 'sh', dir]),
  ]
}

const STOP = `pid=$(cat "$1/nginx.pid" 2>/dev/null) || exit 0
[ "$(cat /proc/$pid/comm 2>/dev/null)" = nginx ] || exit 0
kill -QUIT "$pid"
for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
kill -TERM "$pid"`

/** No ingress left, or the node leaves: nginx quits gracefully and its files go. */
export const ingressStopPlan = (dir = INGRESS_DIR): Plan => [step(['sh', '-c', STOP, 'sh', dir]), step(['rm', '-rf', dir])]
