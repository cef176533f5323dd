import type Dockerode from 'dockerode'
import {randomBytes} from 'node:crypto'
import {execFile} from 'node:child_process'
import {mkdirSync, readdirSync, rmSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {Mk8sError, UnreachableError} from '../errors.js'
import type {Host} from '../host/host.js'
import {timed} from '../util/timing.js'
import {ownerGone} from '../util/owner.js'

const REMOTE_SOCKET = '/var/run/docker.sock'

export interface DockerConn {
  docker: Dockerode
  close(): Promise<void>
}

/** dockerode, loaded where used (its modules cost start-up time to every other command). */
const loadDockerode = (): Promise<typeof Dockerode> => timed('docker modules', async () => (await import('dockerode')).default)

/**
 * dockerode on a node's Docker. Over SSH, the node's Docker socket is forwarded to a local socket
 * by the node's shared OpenSSH master connection (ssh -O forward), so no TCP port is opened on
 * the host and the user's SSH configuration, keys and known_hosts apply. The forward is asked of
 * a running master at once (dockerode loads meanwhile); with none running, one command opens it
 * first (an unreachable node: exit 3). Nothing probes the remote socket: a forward connects to it
 * only when a call is made, so a node without a Docker daemon shows at the first call (dockerError).
 */
export async function dockerFor(host: Host): Promise<DockerConn> {
  if (host.target.kind === 'local') return {docker: new (await loadDockerode())({socketPath: REMOTE_SOCKET}), close: async () => {}}
  if (host.target.sudo) {
    // root's socket, reached with the node's sudo: see dial-stdio.ts
    const [Docker, {dialStdioSocket}] = await Promise.all([loadDockerode(), import('./dial-stdio.js')])
    const sock = await dialStdioSocket(host)
    return {docker: new Docker({socketPath: sock.path}), close: () => sock.close()}
  }
  const dir = process.env.MK8S_SSH_DIR ?? join(homedir(), '.mk8s', 'ssh')
  mkdirSync(dir, {recursive: true, mode: 0o700})
  sweepForwards(dir)
  const local = join(dir, `d-${process.pid}-${randomBytes(3).toString('hex')}.sock`)
  const spec = `${local}:${REMOTE_SOCKET}`
  const ctl = (op: 'forward' | 'cancel') => {
    const argv = host.commandFor('true')
    const dash = argv.indexOf('--')
    // ssh [options] -O op -L spec destination: a request to the master, answered at once
    return new Promise<{code: number; stderr: string}>((resolve) => {
      execFile(argv[0], [...argv.slice(1, dash - 1), '-O', op, '-L', spec, argv[dash - 1]], (error, _stdout, stderr) => resolve({code: error ? (typeof error.code === 'number' ? error.code : 255) : 0, stderr: String(stderr)}))
    })
  }
  const [Docker, asked] = await Promise.all([loadDockerode(), timed(`docker forward ${host.name}`, () => ctl('forward'))])
  let forwarded = asked
  if (forwarded.code !== 0) {
    // no master runs yet (or it just went): a command opens one (ControlMaster=auto), then the forward goes through it
    await host.run(['true'])
    forwarded = await ctl('forward')
  }
  if (forwarded.code !== 0) throw new UnreachableError(host.name, `cannot forward the Docker socket over SSH: ${forwarded.stderr.trim()}`)
  return {
    docker: new Docker({socketPath: local}),
    async close() {
      await ctl('cancel')
      rmSync(local, {force: true})
    },
  }
}

/**
 * The local sockets of forwards (d-PID-*.sock) and dial-stdio servers (s-PID-*.sock) that an mk8s
 * killed before it closed them left behind: removed once the process named by PID is gone.
 */
export function sweepForwards(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const f of names) {
    const pid = Number(/^[ds]-(\d+)-[0-9a-f]{6}\.sock$/.exec(f)?.[1])
    if (pid && ownerGone(pid, '')) rmSync(join(dir, f), {force: true})
  }
}

/**
 * A Docker call that failed below HTTP, said with the node's name: the forwarded socket's far end
 * hung up (no Docker daemon at the socket, or sshd refused to forward it), or the forward itself
 * is gone with its SSH connection (exit 3); on this machine (`local`), a socket nobody listens on
 * is no daemon either. Docker's own answers (a status code) pass as they are.
 */
export function dockerError(node: string, error: unknown, o: {local?: boolean} = {}): unknown {
  if (error instanceof Mk8sError || dockerStatus(error) !== undefined) return error
  const code = (error as {code?: unknown})?.code
  const detail = (error as Error)?.message ?? String(error)
  const refused = code === 'ECONNREFUSED' || code === 'ENOENT'
  if (refused && !o.local) return new UnreachableError(node, `the SSH connection that carried its Docker socket is gone (${detail})`)
  if (refused || code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test(detail)) {
    return new Mk8sError(`node ${node}: no Docker daemon answers at ${REMOTE_SOCKET} (${detail})`, {hint: `start dockerd on ${node}; with sshd's AllowStreamLocalForwarding off, mk8s cannot reach it`})
  }
  return error
}

/** Run `fn` with a node's Docker, closing the forward afterwards. */
export async function withDocker<T>(host: Host, fn: (docker: Dockerode) => Promise<T>, opened?: Promise<DockerConn>): Promise<T> {
  const conn = await timed(`docker connect ${host.name}`, () => opened ?? dockerFor(host))
  try {
    return await fn(conn.docker)
  } catch (error) {
    throw dockerError(host.name, error, {local: host.target.kind === 'local'})
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
