import type Dockerode from 'dockerode'
import {randomBytes} from 'node:crypto'
import {mkdirSync, rmSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {Mk8sError, UnreachableError} from '../errors.js'
import type {Host} from '../host/host.js'
import {timed} from '../util/timing.js'

const REMOTE_SOCKET = '/var/run/docker.sock'

export interface DockerConn {
  docker: Dockerode
  close(): Promise<void>
}

/**
 * dockerode on a node's Docker. Over SSH, the node's Docker socket is forwarded to a local socket
 * by the node's shared OpenSSH master connection (ssh -O forward), so no TCP port is opened on
 * the host and the user's SSH configuration, keys and known_hosts apply.
 */
export async function dockerFor(host: Host): Promise<DockerConn> {
  const [{default: Docker}, {execa}] = await Promise.all([import('dockerode'), import('execa')])
  if (host.target.kind === 'local') return {docker: new Docker({socketPath: REMOTE_SOCKET}), close: async () => {}}
  if (host.target.sudo) {
    // root's socket, reached with the node's sudo: see dial-stdio.ts
    const probe = await host.run(['test', '-S', REMOTE_SOCKET])
    if (probe.code !== 0) throw new Mk8sError(`node ${host.name} has no Docker socket at ${REMOTE_SOCKET}`, {hint: `start dockerd on ${host.name}`})
    const {dialStdioSocket} = await import('./dial-stdio.js')
    const sock = await dialStdioSocket(host)
    return {docker: new Docker({socketPath: sock.path}), close: () => sock.close()}
  }
  const dir = process.env.MK8S_SSH_DIR ?? join(homedir(), '.mk8s', 'ssh')
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const local = join(dir, `d-${process.pid}-${randomBytes(3).toString('hex')}.sock`)
  const spec = `${local}:${REMOTE_SOCKET}`
  const ctl = (op: 'check' | 'forward' | 'cancel') => {
    const argv = host.commandFor('true')
    const dash = argv.indexOf('--')
    // ssh [options] -O op [-L spec] destination
    return execa(argv[0], [...argv.slice(1, dash - 1), '-O', op, ...(op === 'check' ? [] : ['-L', spec]), argv[dash - 1]], {reject: false})
  }
  const probe = () => host.run(['test', '-S', REMOTE_SOCKET])
  // the socket's probe opens the master connection when none runs; with one running (asked of it
  // locally), the probe and the forward go through it at once
  const master = (await ctl('check')).exitCode === 0
  const [found, r] = master ? await Promise.all([probe(), ctl('forward')]) : [await probe(), undefined]
  const forwarded = r ?? (found.code === 0 ? await ctl('forward') : undefined)
  if (found.code !== 0) {
    if (forwarded?.exitCode === 0) await ctl('cancel')
    throw new Mk8sError(`node ${host.name} has no Docker socket at ${REMOTE_SOCKET}`, {hint: `start dockerd on ${host.name}`})
  }
  if (forwarded!.exitCode !== 0) throw new UnreachableError(host.name, `cannot forward the Docker socket over SSH: ${forwarded!.stderr.trim()}`)
  return {
    docker: new Docker({socketPath: local}),
    async close() {
      await ctl('cancel')
      rmSync(local, {force: true})
    },
  }
}

/** Run `fn` with a node's Docker, closing the forward afterwards. */
export async function withDocker<T>(host: Host, fn: (docker: Dockerode) => Promise<T>): Promise<T> {
  const conn = await timed(`docker connect ${host.name}`, () => dockerFor(host))
  try {
    return await fn(conn.docker)
  } finally {
    await timed(`docker close ${host.name}`, () => conn.close())
  }
}

export const dockerStatus = (e: unknown): number | undefined => (e as {statusCode?: number})?.statusCode

/** The image is on the node, or pulled; else an error that names the node and says how to load one. */
export async function ensureImage(docker: Dockerode, node: string, image: string, policy: 'Always' | 'IfNotPresent' | 'Never' = 'IfNotPresent'): Promise<void> {
  const ref = image.includes(':') || image.includes('@') ? image : `${image}:latest`
  if (policy !== 'Always') {
    try {
      await docker.getImage(ref).inspect()
      return
    } catch (error) {
      if (dockerStatus(error) !== 404) throw error
    }
  }
  const how = `load it onto the node: docker save ${ref} | mk8s node exec ${node} -- docker load`
  if (policy === 'Never') throw new Mk8sError(`image ${ref} is not on node ${node} (imagePullPolicy: Never)`, {hint: how})
  try {
    const stream = await docker.pull(ref)
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())))
  } catch (error) {
    throw new Mk8sError(`image ${ref} is not on node ${node} and could not be pulled: ${(error as Error).message.split('\n')[0]}`, {hint: how})
  }
}
