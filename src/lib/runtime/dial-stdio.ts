/**
 * Docker through sudo: when a node is reached as a user who is not root, its Docker socket is
 * root's, so forwarding the socket would talk to it without the privilege. Instead every
 * connection that dockerode opens to a local socket becomes one session on the node's shared
 * SSH master running `sudo -n docker system dial-stdio` (the docker CLI's own byte pipe to its
 * daemon, what `docker -H ssh://` uses), so Docker is reached with the same privilege as the
 * node's scripts.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdirSync, rmSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {homedir} from 'node:os'
import {join} from 'node:path'
import type {Host} from '../host/host.js'
import {shellJoin} from '../host/quote.js'

export const DIAL_STDIO = ['docker', 'system', 'dial-stdio'] as const

/** A local socket whose every connection is piped to the node's Docker through dial-stdio. */
export async function dialStdioSocket(host: Host): Promise<{path: string; close(): Promise<void>}> {
  const dir = process.env.MK8S_SSH_DIR ?? join(homedir(), '.mk8s', 'ssh')
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const path = join(dir, `s-${process.pid}-${randomBytes(3).toString('hex')}.sock`)
  const [file, ...args] = host.commandFor(shellJoin(DIAL_STDIO))
  const children = new Set<ChildProcess>()
  const sockets = new Set<Socket>()
  const server = createServer((sock) => {
    sockets.add(sock)
    const child = spawn(file, args, {stdio: ['pipe', 'pipe', 'ignore'], detached: true}) // out of the terminal's Ctrl-C, as the scripts are
    children.add(child)
    const done = () => {
      children.delete(child)
      sockets.delete(sock)
    }
    sock.pipe(child.stdin!)
    child.stdout!.pipe(sock)
    child.stdin!.on('error', () => {})
    sock.on('error', () => child.kill())
    child.on('exit', () => {
      done()
      sock.end()
    })
    sock.on('close', () => {
      if (child.exitCode === null) child.stdin!.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => resolve())
  })
  return {
    path,
    async close() {
      for (const s of sockets) s.destroy()
      for (const c of children) c.kill()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(path, {force: true})
    },
  }
}
