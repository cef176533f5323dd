import {createHash} from 'node:crypto'
import type {IngressRecord, State} from '../state/schema.js'
import {endpointsOf} from '../svc/endpoints.js'
import {decode} from '../secret/spec.js'
import {served} from './classes.js'
import {backendPort, type IngressBackend} from './spec.js'

/** One location of a server: a path and where it goes (an upstream's name, or none: 503). */
export interface Route {
  path: string
  type: 'Exact' | 'Prefix'
  upstream?: string
}

/** One virtual host ("_" = the default server: rules without a host, unknown hosts). */
export interface Server {
  host: string
  routes: Route[]
  /** where requests no path matched go: an upstream, 503 when the backend has no endpoints, or 404 */
  fallback: {upstream?: string} | 'not-found'
  /** key of the TLS secret ("namespace/name") whose certificate the server shows */
  tls?: string
}

export interface Upstream {
  name: string
  /** "ip:port" of each endpoint */
  servers: string[]
}

export interface IngressModel {
  servers: Server[]
  upstreams: Upstream[]
  /** TLS secrets in use: key -> PEM certificate and key */
  certs: Map<string, {crt: string; key: string}>
}

/** Ingresses oldest first: the oldest wins a host or path that two of them claim (as ingress-nginx does). */
export const sortedIngresses = (state: State): IngressRecord[] =>
  Object.values(state.ingresses).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))

const normalType = (t: string): Route['type'] => (t === 'Exact' ? 'Exact' : 'Prefix')

/** What nginx must serve, from the Ingress objects, their Services' endpoints and their TLS secrets. Pure. */
export function ingressModel(state: State): IngressModel {
  const upstreams = new Map<string, Upstream>()
  /** the upstream of a backend (pod addresses of the service port), or undefined when it has no endpoints */
  const upstreamOf = (ns: string, b: IngressBackend): string | undefined => {
    const name = `${ns}-${b.service.name}-${backendPort(b)}`
    if (upstreams.has(name)) return name
    const svc = state.services[`${ns}/${b.service.name}`]
    const port = svc?.ports.find((p) => (b.service.port.number !== undefined ? p.port === b.service.port.number : p.name === b.service.port.name))
    if (!svc || !port) return undefined
    const eps = endpointsOf(state, svc).find((e) => e.port === port)?.endpoints ?? []
    if (eps.length === 0) return undefined
    upstreams.set(name, {name, servers: eps.map((e) => `${e.ip}:${e.port}`)})
    return name
  }
  const servers = new Map<string, Server>()
  const serverFor = (host: string) => {
    if (!servers.has(host)) servers.set(host, {host, routes: [], fallback: 'not-found'})
    return servers.get(host)!
  }
  serverFor('_')
  const certs = new Map<string, {crt: string; key: string}>()
  for (const ing of sortedIngresses(state).filter((i) => served(state, i))) {
    const spec = ing.spec
    const fallback = spec.defaultBackend ? {upstream: upstreamOf(ing.namespace, spec.defaultBackend)} : undefined
    const def = serverFor('_')
    if (fallback && def.fallback === 'not-found') def.fallback = fallback
    for (const rule of spec.rules) {
      const server = serverFor(rule.host ?? '_')
      if (fallback && server.fallback === 'not-found') server.fallback = fallback
      for (const p of rule.http?.paths ?? []) {
        const type = normalType(p.pathType)
        const path = type === 'Prefix' && p.path.length > 1 ? p.path.replace(/\/+$/, '') || '/' : p.path
        if (server.routes.some((r) => r.path === path && r.type === type)) continue
        server.routes.push({path, type, upstream: upstreamOf(ing.namespace, p.backend)})
      }
    }
    for (const t of spec.tls) {
      const key = `${ing.namespace}/${t.secretName}`
      const secret = t.secretName ? state.secrets[key] : undefined
      if (!secret || secret.type !== 'kubernetes.io/tls') continue
      for (const h of t.hosts) {
        const server = servers.get(h)
        if (!server || server.tls) continue
        server.tls = key
        certs.set(key, {crt: decode(secret.data['tls.crt']), key: decode(secret.data['tls.key'])})
      }
    }
  }
  const sorted = [...servers.values()].sort((a, b) => (a.host === '_' ? -1 : b.host === '_' ? 1 : a.host.localeCompare(b.host)))
  for (const s of sorted) s.routes.sort((a, b) => a.path.localeCompare(b.path) || a.type.localeCompare(b.type))
  return {servers: sorted, upstreams: [...upstreams.values()].sort((a, b) => a.name.localeCompare(b.name)), certs}
}

/** File name of a TLS secret's certificate: changes with the content, so a running nginx keeps its own until reload. */
export const certFileBase = (key: string, pem: {crt: string; key: string}): string =>
  `${key.replace('/', '_')}-${createHash('sha256').update(pem.crt).update(pem.key).digest('hex').slice(0, 10)}`
