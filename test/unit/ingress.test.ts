import {describe, expect, it} from 'vitest'
import {renderPlan} from '../../src/lib/host/plan.js'
import {certFileBase, ingressModel} from '../../src/lib/ingress/model.js'
import {renderNginx, serverName} from '../../src/lib/ingress/nginx.js'
import {ingressStopPlan, ingressSyncPlan} from '../../src/lib/ingress/plan.js'
import {parseIngressSpec} from '../../src/lib/ingress/spec.js'
import {parseManifests} from '../../src/lib/manifest/parse.js'
import {parseSecret} from '../../src/lib/secret/spec.js'
import {emptyState, type State} from '../../src/lib/state/schema.js'
import {pod, svc} from './dns-fixture.js'

const CRT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n'
const backend = (name: string, number = 80) => ({service: {name, port: {number}}})

/** The documents' example: foo.bar.com, /foo to s1 and /bar to s2, TLS from testsecret. */
function fooBar(): State {
  const s = emptyState()
  s.pods['default/s1-a'] = pod('s1-a', '10.244.0.5', {app: 's1'})
  s.pods['default/s1-b'] = pod('s1-b', '10.244.1.5', {app: 's1'})
  s.services['default/s1'] = svc('s1', '10.96.0.20', {app: 's1'}, [{protocol: 'TCP', port: 80, targetPort: 'web'}])
  s.services['default/s2'] = svc('s2', '10.96.0.21', {app: 's2'}, [{protocol: 'TCP', port: 80, targetPort: 80}])
  s.secrets['default/testsecret'] = {namespace: 'default', name: 'testsecret', uid: 'u', labels: {}, createdAt: 'x', ...parseSecret({type: 'kubernetes.io/tls', stringData: {'tls.crt': CRT, 'tls.key': KEY}}, 'w')}
  const spec = parseIngressSpec(
    {
      tls: [{hosts: ['foo.bar.com'], secretName: 'testsecret'}],
      rules: [
        {host: 'foo.bar.com', http: {paths: [{path: '/foo', pathType: 'Prefix', backend: backend('s1')}, {path: '/bar/', pathType: 'Prefix', backend: backend('s2')}, {path: '/foo', pathType: 'Exact', backend: backend('s2')}]}},
        {http: {paths: [{path: '/healthz', pathType: 'Exact', backend: backend('s1')}]}},
      ],
    },
    'test',
  )
  s.ingresses['default/test'] = {namespace: 'default', name: 'test', uid: 'u', labels: {}, annotations: {}, spec, createdAt: '2026-01-01T00:00:00Z'}
  return s
}

describe('ingress: nginx configuration from Ingress objects', () => {
  it('upstreams of pod addresses per service port; Prefix by path element, Exact, a default server with 404, TLS from the secret', () => {
    const s = fooBar()
    const cert = `/run/mk8s/ingress/tls/${certFileBase('default/testsecret', {crt: CRT, key: KEY})}`
    const files = renderNginx(ingressModel(s), '192.168.56.11')
    expect(files.conf.split('\n').slice(20)).toEqual([
      '  upstream default-s1-80 {',
      '    server 10.244.0.5:8080;',
      '    server 10.244.1.5:8080;',
      '  }',
      '  server {',
      '    listen 192.168.56.11:80 default_server;',
      '    listen 192.168.56.11:443 ssl default_server;',
      '    server_name _;',
      '    ssl_certificate /run/mk8s/ingress/default.crt;',
      '    ssl_certificate_key /run/mk8s/ingress/default.key;',
      '    location = /healthz { proxy_pass http://default-s1-80; }',
      '    location / { return 404; }',
      '  }',
      '  server {',
      '    listen 192.168.56.11:80;',
      '    listen 192.168.56.11:443 ssl;',
      '    server_name foo.bar.com;',
      `    ssl_certificate ${cert}.crt;`,
      `    ssl_certificate_key ${cert}.key;`,
      // s2 has no endpoints: 503, as ingress-nginx answers
      '    location = /bar { return 503; }',
      '    location /bar/ { return 503; }',
      // Exact /foo wins over Prefix /foo at /foo itself
      '    location = /foo { return 503; }',
      '    location /foo/ { proxy_pass http://default-s1-80; }',
      '    location / { return 404; }',
      '  }',
      '}',
      '',
    ])
    expect([...files.certs]).toEqual([
      [`${cert}.crt`, CRT],
      [`${cert}.key`, KEY],
    ])
    expect(files.conf).toContain('pid /run/mk8s/ingress/nginx.pid;')
  })

  it('a default backend takes what no rule matched; the oldest ingress wins a path two claim', () => {
    const s = fooBar()
    s.ingresses['default/other'] = {
      namespace: 'default', name: 'other', uid: 'o', labels: {}, annotations: {}, createdAt: '2026-02-01T00:00:00Z',
      spec: parseIngressSpec({defaultBackend: backend('s1'), rules: [{host: 'foo.bar.com', http: {paths: [{path: '/foo', pathType: 'Prefix', backend: backend('s2')}]}}]}, 'other'),
    }
    const model = ingressModel(s)
    expect(model.servers.map((x) => [x.host, x.fallback])).toEqual([
      ['_', {upstream: 'default-s1-80'}],
      ['foo.bar.com', {upstream: 'default-s1-80'}],
    ])
    expect(model.servers[1].routes.filter((r) => r.path === '/foo')).toEqual([
      {path: '/foo', type: 'Exact', upstream: undefined},
      {path: '/foo', type: 'Prefix', upstream: 'default-s1-80'},
    ])
  })

  it('sync: checked with nginx -t before the swap, reloaded or started; stop quits gracefully and removes the files', () => {
    const plan = ingressSyncPlan({conf: 'C\n', certs: new Map([['/run/mk8s/ingress/tls/x.crt', CRT]])})
    expect(plan.map((s) => s.argv.slice(0, 3).join(' '))).toEqual([
      'install -d -m',
      'install -d -m',
      'openssl req -x509',
      'sh -c mkdir -p "$(dirname "$1")" && umask 077 && t="$1.$$.tmp" && cat >"$t" && chmod "$2" "$t" && mv -f "$t" "$1"',
      'sh -c mkdir -p "$(dirname "$1")" && umask 077 && t="$1.$$.tmp" && cat >"$t" && chmod "$2" "$t" && mv -f "$t" "$1"',
      expect.stringContaining('nginx -t -q -p "$d/" -e "$d/error.log" -c "$d/nginx.conf.new" || exit 1'),
    ])
    expect(plan[3].argv.slice(-2)).toEqual(['/run/mk8s/ingress/tls/x.crt', '600'])
    expect(plan[4].argv.slice(-2)).toEqual(['/run/mk8s/ingress/nginx.conf.new', '644'])
    expect(renderPlan(ingressStopPlan()).split('\n').at(-1)).toBe('rm -rf /run/mk8s/ingress')
  })
})

describe('ingress and secret manifests', () => {
  it('apply -f takes networking.k8s.io/v1 Ingress and a kubernetes.io/tls Secret', () => {
    const objs = parseManifests(
      `apiVersion: v1
kind: Secret
metadata: {name: testsecret}
type: kubernetes.io/tls
stringData:
  tls.crt: "${CRT.replaceAll('\n', '\\n')}"
  tls.key: "${KEY.replaceAll('\n', '\\n')}"
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: test}
spec:
  rules:
  - host: foo.bar.com
    http:
      paths:
      - {path: /foo, pathType: Prefix, backend: {service: {name: s1, port: {number: 80}}}}
`,
      'f.yaml',
      'default',
    )
    expect(objs.map((o) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual(['Secret default/testsecret', 'Ingress default/test'])
  })

  it('refuses what nginx or Kubernetes would not take, before any host is touched', () => {
    const bad = (spec: unknown) => () => parseIngressSpec(spec, 'test')
    expect(bad({rules: [{host: 'Foo.com', http: {paths: [{path: '/', pathType: 'Prefix', backend: backend('s')}]}}]})).toThrow(/must be a lower-case DNS name/)
    expect(bad({rules: [{http: {paths: [{path: '/a;b', pathType: 'Prefix', backend: backend('s')}]}}]})).toThrow(/paths\[0\]\.path/)
    expect(bad({rules: [{http: {paths: [{path: '/', pathType: 'Regex', backend: backend('s')}]}}]})).toThrow(/pathType/)
    expect(bad({rules: [{http: {paths: [{path: '/', pathType: 'Prefix', backend: {service: {name: 's', port: {}}}}]}}]})).toThrow(/exactly one of number and name/)
    expect(bad({})).toThrow(/needs spec.defaultBackend or at least one rule/)
    expect(() => parseSecret({type: 'kubernetes.io/tls', data: {'tls.crt': Buffer.from(CRT).toString('base64')}}, 's')).toThrow(/needs data\["tls.key"\]/)
    expect(() => parseSecret({type: 'kubernetes.io/tls', stringData: {'tls.crt': 'x', 'tls.key': KEY}}, 's')).toThrow(/not a PEM CERTIFICATE/)
    expect(() => parseManifests('apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: t}\n', 'f', 'default')).toThrow(/must have apiVersion networking.k8s.io\/v1/)
  })
})

describe('ingress: hosts as Kubernetes defines them', () => {
  it('a wildcard host is one DNS label (a regular expression for nginx); an exact host is itself', () => {
    expect(serverName('*.foo.com')).toBe('~^[^.]+\\.foo\\.com$')
    expect(serverName('bar.foo.com')).toBe('bar.foo.com')
    const re = new RegExp(serverName('*.foo.com').slice(1))
    expect(['bar.foo.com', 'baz.bar.foo.com', 'foo.com', 'xfoo.com'].map((h) => re.test(h))).toEqual([true, false, false, false])
  })
})
