import {mkdtempSync, copyFileSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {hostOf} from '../../src/lib/cluster/hosts.js'
import type {Ctx} from '../../src/lib/context.js'
import {Executor, type Reader} from '../../src/lib/host/executor.js'
import type {Captured} from '../../src/lib/host/plan.js'
import {printingRuntime, type Runtime} from '../../src/lib/runtime/runtime.js'
import {StateStore} from '../../src/lib/state/store.js'

/** What a host answers to the reads mk8s makes (preflight, listening ports): a plain Debian host on 192.168.56.x. */
export const fakeReader: Reader = async (host, plan) => {
  const out = new Map<number, Captured>()
  const addr = host.target.kind === 'ssh' ? host.target.host : '192.168.56.10'
  if (plan[0]?.argv[0] === 'hostname') {
    const answers = [host.name, JSON.stringify([{ifname: 'lo', mtu: 65536, addr_info: [{family: 'inet', local: '127.0.0.1', prefixlen: 8}]}, {ifname: 'eth0', mtu: 1500, addr_info: [{family: 'inet', local: addr, prefixlen: 24}]}]), '[]', '', '20.10.24', '', 'iptables v1.8.9 (nf_tables)']
    answers.forEach((output, i) => out.set(i, {output, code: 0}))
  } else plan.forEach((_, i) => out.set(i, {output: '', code: 0}))
  return out
}

/** A runtime's reads that say every pod's sandbox is gone (a node after a reboot). */
export const allGone: Runtime = {on: (_node, fn) => fn({startPause: async () => '', startApps: async () => [], removePod: async () => {}, sandboxGone: async () => true})}

/**
 * A context for service tests, the kube-proxy way: a real state file, an executor that records
 * each node's script instead of sending it (what --dry-run prints), and a runtime that records the
 * docker commands. `dryRun`: the store keeps changes in memory (what --dry-run does).
 */
export function harness(statePath?: string, o: {dryRun?: boolean; reads?: Runtime} = {}) {
  const path = statePath ?? join(mkdtempSync(join(tmpdir(), 'mk8s-harness-')), 'state.json')
  const out: string[] = []
  const exec = new Executor(true, (t) => out.push(t), fakeReader)
  const ctx: Ctx = {
    store: new StateStore(path, o.dryRun ?? false),
    exec,
    runtime: printingRuntime((node, lines) => exec.show(hostOf(node), lines), o.reads),
    namespace: 'default',
    dryRun: o.dryRun ?? false,
    progress: () => {},
  }
  return {ctx, path, text: () => out.join(''), clear: () => (out.length = 0)}
}

/** A copy of a state file (and what was last programmed from it) in a new folder. */
export function copyState(path: string): string {
  const to = join(mkdtempSync(join(tmpdir(), 'mk8s-harness-')), 'state.json')
  copyFileSync(path, to)
  for (const f of ['.programmed', '.stale']) if (existsSync(`${path}${f}`)) copyFileSync(`${path}${f}`, `${to}${f}`)
  return to
}

/** Names drawn from random uids (veths, pid variables, deployment pods) numbered in order of appearance, so that goldens are stable. */
export function stable(text: string): string {
  const seen = new Map<string, string>()
  return text.replace(/\bveth[0-9a-f]{8}\b|\bPAUSE_[0-9A-F]{8}\b|([a-z]+)-[0-9a-f]{8}-[0-9a-f]{5}(?![0-9a-z])/g, (m, dep) => {
    if (!seen.has(m)) seen.set(m, m.startsWith('veth') ? `vethN${seen.size}` : m.startsWith('PAUSE_') ? `PAUSE_N${seen.size}` : `${dep}-HASH-N${seen.size}`)
    return seen.get(m)!
  })
}
