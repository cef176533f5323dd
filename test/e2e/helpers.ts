import {execa} from 'execa'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {expect} from 'vitest'
import {Host} from '../../src/lib/host/host.js'
import {installLabSshOptions} from '../../src/lib/lab/ssh.js'

export const CLI = resolve('bin/run.js')
export const LAB_NODES = ['node1', 'node2', 'node3'] as const
export const labAddress = (node: string) => `192.168.56.${10 + Number(node.replace('node', ''))}`

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** A cluster of its own for one test file: its own state file on the shared lab. */
export class TestCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'mk8s-e2e-'))
  readonly state = join(this.dir, 'state.json')

  async run(args: string[], opts: {input?: string; env?: Record<string, string>; timeout?: number} = {}): Promise<Run> {
    const r = await execa('node', [CLI, ...args], {
      reject: false,
      input: opts.input ?? '',
      env: {MK8S_STATE: this.state, NO_COLOR: '1', ...opts.env},
      timeout: opts.timeout ?? 240_000,
    })
    return {code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr}
  }

  /** Run and expect exit 0; returns stdout. */
  async ok(args: string[], opts: {input?: string; env?: Record<string, string>} = {}): Promise<string> {
    const r = await this.run(args, opts)
    if (r.code !== 0) throw new Error(`mk8s ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout}`)
    return r.stdout
  }

  async json<T = any>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '-o', 'json'])) as T
  }

  /** cluster init with these flags and all three lab hosts joined. */
  async up(initArgs: string[] = [], nodes: readonly string[] = LAB_NODES): Promise<void> {
    await this.ok(['cluster', 'init', ...initArgs])
    for (const n of nodes) await this.ok(['node', 'join', n, '--ssh', `root@${labAddress(n)}`])
  }

  /** A command on a lab host, over the lab's SSH (whether or not the node is in this cluster). */
  async onNode(node: string, argv: string[]): Promise<Run> {
    return onLabHost(node, argv)
  }

  async down(): Promise<void> {
    const r = await this.run(['cluster', 'reset', '--force'])
    rmSync(this.dir, {recursive: true, force: true})
    expect(r.code, r.stderr).toBe(0)
  }
}

/** A command on a lab host, over the lab's own SSH key and known_hosts. */
export async function onLabHost(node: string, argv: string[], input = ''): Promise<Run> {
  installLabSshOptions()
  return new Host(node, {kind: 'ssh', user: 'root', host: labAddress(node), port: 22}).run(argv, input)
}

/**
 * What mk8s could have left on a lab host, as counts: its containers, KUBE-* rules, and its links
 * (veths, flannel.1, cni0). After a cluster reset every count is "0".
 */
export async function leftoversOn(node: string): Promise<string[]> {
  const r = await onLabHost(node, ['sh', '-c', 'docker ps -aq --filter label=io.mk8s.pod | wc -l; iptables-save | grep -c KUBE- ; ip -o link | grep -c -e veth -e flannel -e cni0'])
  return r.stdout.trim().split('\n')
}
