/**
 * host-local's leases outlive their containers: it keeps them on disk (/var/lib/cni/networks/mk8s,
 * one file per address holding the container's id), across reboots and after a container that
 * never had CNI DEL. A stale lease makes the next pod with that address fail ("requested IP
 * address ... is not available"). Doctor finds them; --fix releases them (mk8s's own network's
 * files only, and only while the file still names that container).
 */
import type {Finding} from '../doctor/model.js'
import type {DockerFacts} from '../doctor/reads.js'
import {step} from '../host/plan.js'
import {CNI_NETWORK} from './plan.js'

export const LEASE_DIR = `/var/lib/cni/networks/${CNI_NETWORK}`

const LIST = `d=$1; [ -d "$d" ] || exit 0
# one process for every file: each lease's address (its file name) and the first line (the container's id)
set -- "$d"/[0-9]*; [ -f "$1" ] || exit 0
awk 'FNR == 1 { n = split(FILENAME, p, "/"); sub(/\r$/, ""); print p[n], $0 }' "$@"`

export const LEASE_READ: [string, readonly string[]] = ['cni-leases', ['sh', '-c', LIST, 'sh', LEASE_DIR]]

/** "10.244.1.2 <container id>" lines. */
export function parseLeases(text: string): Array<{ip: string; container: string}> {
  return text
    .split('\n')
    .map((l) => /^(\d+\.\d+\.\d+\.\d+) ([0-9a-f]{12,64})\s*$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ip: m[1], container: m[2]}))
}

/** Leases whose container is gone or stopped, each with its safe release. */
export function staleLeaseFindings(raw: ReadonlyMap<string, ReadonlyMap<string, {output: string; code: number}>>, docker: ReadonlyMap<string, DockerFacts>): Finding[] {
  const out: Finding[] = []
  for (const [node, r] of raw) {
    const d = docker.get(node)
    if (!d || d.error) continue // without Docker's answer no lease is judged
    for (const l of parseLeases(r.get('cni-leases')?.output ?? '')) {
      const c = d.containers.find((x) => x.id.startsWith(l.container) || l.container.startsWith(x.id))
      if (c?.running) continue
      const file = `${LEASE_DIR}/${l.ip}`
      out.push({
        id: 'cni-lease-stale',
        severity: 'warning',
        node,
        object: file,
        evidence: `host-local holds ${l.ip} for container ${l.container.slice(0, 12)}, which ${c ? `is ${c.status}` : 'no longer exists'}: a new pod given ${l.ip} would fail`,
        fix: `release it: rm ${file}`,
        safe: true,
        plan: [step(['rm', '-f', file], {onlyIf: ['grep', '-q', `^${l.container}`, file]})],
      })
    }
  }
  return out
}
