import {certFileBase, type IngressModel, type Route, type Server} from './model.js'

/** Where the ingress controller keeps its files: not Debian's /etc/nginx, never the host's own nginx. */
export const INGRESS_DIR = '/run/mk8s/ingress'

export interface NginxFiles {
  conf: string
  /** TLS files to write (mode 0600): path -> PEM */
  certs: Map<string, string>
}

const target = (to: {upstream?: string}) => (to.upstream ? `proxy_pass http://${to.upstream};` : 'return 503;')

/** nginx locations for one route: Exact is `=`; Prefix matches by path element (`= /foo` and `/foo/`). */
function locations(r: Route, exact: Set<string>): string[] {
  const body = `{ ${target(r)} }`
  if (r.type === 'Exact') return [`location = ${r.path} ${body}`]
  if (r.path === '/') return [`location / ${body}`]
  // an Exact path of the same text wins over the Prefix there
  return [...(exact.has(r.path) ? [] : [`location = ${r.path} ${body}`]), `location ${r.path}/ ${body}`]
}

/**
 * nginx's server_name for an Ingress host. A Kubernetes wildcard stands for exactly one DNS label
 * (`*.foo.com` matches `bar.foo.com`, not `foo.com` nor `baz.bar.foo.com`), where nginx's own
 * `*.foo.com` takes any depth: a regular expression says it. An exact host still wins over it, as
 * Kubernetes wants (nginx tries exact names before expressions).
 */
export const serverName = (host: string): string => (host.startsWith('*.') ? `~^[^.]+${host.slice(1).replaceAll('.', '\\.')}$` : host)

function server(s: Server, address: string, dir: string, certs: NginxFiles['certs'], model: IngressModel): string[] {
  const isDefault = s.host === '_'
  let crt = `${dir}/default.crt`
  let key = `${dir}/default.key`
  if (s.tls) {
    const pem = model.certs.get(s.tls)!
    const base = `${dir}/tls/${certFileBase(s.tls, pem)}`
    crt = `${base}.crt`
    key = `${base}.key`
    certs.set(crt, pem.crt)
    certs.set(key, pem.key)
  }
  const exact = new Set(s.routes.filter((r) => r.type === 'Exact').map((r) => r.path))
  const lines = s.routes.flatMap((r) => locations(r, exact))
  if (!s.routes.some((r) => r.type === 'Prefix' && r.path === '/')) {
    lines.push(`location / { ${s.fallback === 'not-found' ? 'return 404;' : target(s.fallback)} }`)
  }
  return [
    '  server {',
    `    listen ${address}:80${isDefault ? ' default_server' : ''};`,
    `    listen ${address}:443 ssl${isDefault ? ' default_server' : ''};`,
    `    server_name ${serverName(s.host)};`,
    `    ssl_certificate ${crt};`,
    `    ssl_certificate_key ${key};`,
    ...lines.map((l) => `    ${l}`),
    '  }',
  ]
}

/** The whole nginx.conf of the controller, listening on the node's address, ports 80 and 443. Pure. */
export function renderNginx(model: IngressModel, address: string, dir = INGRESS_DIR): NginxFiles {
  const certs = new Map<string, string>()
  const servers = model.servers.flatMap((s) => server(s, address, dir, certs, model))
  const conf = [
    '# mk8s ingress controller (nginx), rendered from the Ingress objects; written by mk8s',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log;`,
    'events { worker_connections 1024; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/tmp/${t};`),
    '  server_tokens off;',
    '  server_names_hash_bucket_size 128;',
    '  proxy_http_version 1.1;',
    '  proxy_set_header Connection "";',
    '  proxy_set_header Host $host;',
    '  proxy_set_header X-Real-IP $remote_addr;',
    '  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '  proxy_set_header X-Forwarded-Proto $scheme;',
    ...model.upstreams.flatMap((u) => [`  upstream ${u.name} {`, ...u.servers.map((s) => `    server ${s};`), '  }']),
    ...servers,
    '}',
    '',
  ].join('\n')
  return {conf, certs}
}
