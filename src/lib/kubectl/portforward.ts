/**
 * `mk8s port-forward pod/NAME|svc/NAME [LOCAL:]REMOTE...`: kubectl's port-forward, from this
 * machine to the pod's address over its node's SSH (`ssh -N -L`): the pod network need not be
 * reachable from here. A service forwards to one of its endpoints, as kubectl does.
 */
import {createServer, connect} from 'node:net'
import {hostOf} from '../cluster/hosts.js'
import {requireNode} from '../cluster/model.js'
import {InputError} from '../errors.js'
import {requirePod} from '../pod/service.js'
import type {PodRecord, State} from '../state/schema.js'
import {endpointsOf} from '../svc/endpoints.js'

export interface Forward {
  /** 0: a free port, chosen when it starts */
  local: number
  remote: number
}

const portOf = (text: string, what: string): number => {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new InputError(`${what} port "${text}" is not a port (1-65535)`, 'e.g. 8080:80, :80 or 80')
  return n
}

/** kubectl's port words: LOCAL:REMOTE, :REMOTE (a free local port), REMOTE (the same locally). */
export function parseForwards(words: readonly string[]): Forward[] {
  if (!words.length) throw new InputError('no port given', "e.g. 'mk8s port-forward pod/web 8080:80'")
  return words.map((w) => {
    const m = /^(\d*):(\d+)$/.exec(w)
    if (m) return {local: m[1] === '' ? 0 : portOf(m[1], 'local'), remote: portOf(m[2], 'remote')}
    const p = portOf(w, 'remote')
    return {local: p, remote: p}
  })
}

/** The pod a target names, and the container port each asked port reaches on it. */
export function forwardTarget(state: State, namespace: string, target: string, forwards: Forward[]): {pod: PodRecord; forwards: Forward[]} {
  const [kind, name] = target.includes('/') ? target.split('/', 2) : ['pod', target]
  if (['pod', 'pods', 'po'].includes(kind)) {
    const pod = requirePod(state, namespace, name)
    if (!pod.ip || pod.phase !== 'Running') throw new InputError(`pod ${namespace}/${name} is not running with an address (${pod.phase})`, `see 'mk8s pod get ${name}'`)
    return {pod, forwards}
  }
  if (!['svc', 'service', 'services'].includes(kind)) throw new InputError(`port-forward takes pod/NAME or svc/NAME, not ${kind}/`, "e.g. 'mk8s port-forward svc/web 8080:80'")
  const svc = state.services[`${namespace}/${name}`]
  if (!svc) throw new InputError(`services "${name}" not found in namespace "${namespace}"`, "see 'mk8s svc list'")
  const ports = endpointsOf(state, svc)
  // as kubectl: a pod of the service (an address listed by hand in Endpoints has none to forward to)
  const first = ports.flatMap((p) => p.endpoints).find((e) => e.pod !== undefined)
  if (!first) throw new InputError(`service ${namespace}/${name} has no pod endpoints: no Running pod is selected`, `see 'mk8s get endpoints ${name}'; port-forward a pod, or reach an address listed by hand directly`)
  const pod = state.pods[`${namespace}/${first.pod}`]
  // as kubectl: the service port asked is mapped to the pod's target port
  return {
    pod,
    forwards: forwards.map((f) => {
      const p = ports.find((x) => x.port.port === f.remote)
      if (!p) throw new InputError(`service ${namespace}/${name} has no port ${f.remote}`, `its ports: ${svc.ports.map((x) => x.port).join(', ')}`)
      const ep = p.endpoints.find((e) => e.pod === pod.name)
      if (!ep) throw new InputError(`pod ${pod.name} of service ${namespace}/${name} has no port for ${f.remote}`, 'check the targetPort against the pod\'s container ports')
      return {local: f.local, remote: ep.port}
    }),
  }
}

const freePort = (address: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, address, () => {
      const port = (s.address() as {port: number}).port
      s.close(() => resolve(port))
    })
  })

const accepts = (address: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = connect({host: address, port}, () => {
      c.destroy()
      resolve(true)
    })
    c.on('error', () => resolve(false))
  })

/**
 * Forward until ssh ends or mk8s is stopped (Ctrl-C, SIGTERM): prints kubectl's "Forwarding from"
 * lines once the local ports accept connections. Returns the exit code.
 */
export async function portForward(state: State, namespace: string, target: string, words: readonly string[], address: string, say: (line: string) => void): Promise<number> {
  const {pod, forwards} = forwardTarget(state, namespace, target, parseForwards(words))
  const host = hostOf(requireNode(state, pod.node))
  const ports = await Promise.all(forwards.map(async (f) => ({...f, local: f.local || (await freePort(address))})))
  const [file, ...args] = host.forwardCommand(ports.map((f) => ({listen: `${address}:${f.local}`, to: `${pod.ip}:${f.remote}`})))
  const {execa} = await import('execa')
  const ssh = execa(file, args, {reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe'})
  const stop = () => ssh.kill('SIGTERM')
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  let ended = false
  void ssh.finally(() => (ended = true))
  for (let i = 0; i < 100 && !ended; i++) {
    if ((await Promise.all(ports.map((f) => accepts(address, f.local)))).every(Boolean)) break
    await new Promise((r) => setTimeout(r, 100))
  }
  if (!ended) for (const f of ports) say(`Forwarding from ${address}:${f.local} -> ${f.remote}`)
  const r = await ssh
  process.off('SIGINT', stop)
  process.off('SIGTERM', stop)
  if (r.signal === 'SIGTERM') return 0
  if (r.exitCode !== 0) throw new InputError(`port-forward to ${pod.name} on ${pod.node} ended: ${(r.stderr ?? '').trim().split('\n').pop() || `ssh exited ${r.exitCode}`}`, 'is the local port free, and does the node answer (mk8s node list)?')
  return 0
}
