import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'

export interface HttpAnswer {
  status: number
  body: string
}

/**
 * One GET from the control machine with a chosen Host header (and, for https, that name as SNI,
 * verified against `ca`): how the demo and the tests reach a virtual host on the ingress address.
 */
export function httpGet(url: string, opts: {host: string; ca?: Buffer | string; timeoutMs?: number}): Promise<HttpAnswer> {
  const u = new URL(url)
  const make = u.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = make(
      {host: u.hostname, port: u.port || undefined, path: u.pathname + u.search, headers: {Host: opts.host}, timeout: opts.timeoutMs ?? 5000, ...(u.protocol === 'https:' ? {ca: opts.ca, servername: opts.host} : {})},
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (body += d))
        res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in time`)))
    req.on('error', reject)
    req.end()
  })
}

/** Ask until `ok` likes the answer (a reload or a backend start is asynchronous); the last answer otherwise. */
export async function httpUntil(url: string, opts: Parameters<typeof httpGet>[1], ok: (a: HttpAnswer) => boolean, tries = 30): Promise<HttpAnswer> {
  let last: HttpAnswer | undefined
  let error: unknown
  for (let i = 0; i < tries; i++) {
    try {
      last = await httpGet(url, opts)
      if (ok(last)) return last
    } catch (e) {
      error = e
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  if (last === undefined) throw error
  return last
}
