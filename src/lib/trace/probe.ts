import {step, type Step} from '../host/plan.js'
import {containerName, pauseName} from '../pod/plan.js'
import type {HostFacts} from './facts.js'
import type {CounterRef, Endpoint, Hop} from './model.js'
import {target} from './iptables.js'

/** Two datagrams to "$1":"$2" with bash's /dev/udp (no answer awaited). */
const UDP_SEND = 'for i in 1 2; do echo mk8s-trace >"/dev/udp/$1/$2"; done'

/**
 * argv, run on a pod's node inside the pod's network namespace (its pause container's) with the
 * node's own tools: the way to send UDP from a pod, whose busybox has no UDP client. The pod's
 * address, routes and NetworkPolicy are those of the pod itself.
 */
export function inPodNetns(pod: {namespace: string; name: string}, argv: readonly string[]): string[] {
  return ['sh', '-c', `pid=$(docker inspect -f '{{.State.Pid}}' "$1") && shift && exec nsenter -t "$pid" -n "$@"`, 'sh', pauseName(pod), ...argv]
}

/**
 * The real traffic --probe sends: from inside the source pod (docker exec) or from the node itself.
 * ICMP: ping; TCP: a connection; UDP: two datagrams (nothing need answer: counters tell).
 */
export function probeStep(from: Extract<Endpoint, {kind: 'pod' | 'node'}>, dst: string, proto: string, port?: number): Step {
  let cmd: string[]
  if (proto === 'icmp' || port === undefined) cmd = ['ping', '-c', '2', '-W', '2', dst]
  else if (proto === 'udp' && from.kind === 'pod') {
    // busybox's nc has no UDP: the node's bash sends from inside the pod's network namespace
    return step(inPodNetns(from.pod, ['timeout', '6', 'bash', '-c', UDP_SEND, 'bash', dst, String(port)]), {capture: true})
  } else if (proto === 'udp') cmd = ['timeout', '6', 'bash', '-c', UDP_SEND, 'bash', dst, String(port)]
  else if (from.kind === 'pod') cmd = ['timeout', '6', 'nc', '-w', '3', dst, String(port)]
  else cmd = ['timeout', '6', 'bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'bash', dst, String(port)]
  if (from.kind === 'node') return step(cmd, {capture: true})
  const c = from.pod.containers[0]?.name ?? from.pod.spec.containers?.[0]?.name ?? 'main'
  return step(['docker', 'exec', containerName(from.pod, c), ...cmd], {capture: true})
}

/** The packet count behind a counter reference, if the host has it. */
export function counterValue(f: HostFacts | undefined, c: CounterRef): number | undefined {
  if (!f) return undefined
  if (c.kind === 'link') {
    const l = f.links.find((x) => x.ifname === c.ifname)
    return l?.[c.dir]?.packets
  }
  const chain = f.iptables?.[c.table]?.[c.chain]
  if (c.kind === 'policy') return chain?.counters?.packets
  return chain?.rules[c.num - 1]?.counters?.packets
}

export const describeCounter = (c: CounterRef): string =>
  c.kind === 'link' ? `${c.ifname} ${c.dir}` : c.kind === 'policy' ? `${c.table} ${c.chain} policy` : `${c.table} ${c.chain} #${c.num}`

/** Mark each hop with what its counters did between the two reads. */
export function annotate(hops: Hop[], before: ReadonlyMap<string, HostFacts>, after: ReadonlyMap<string, HostFacts>): Hop[] {
  return hops.map((h) => {
    if (!h.counters?.length) return h
    const parts: string[] = []
    let seen = false
    for (const c of h.counters) {
      const a = counterValue(before.get(c.host), c)
      const b = counterValue(after.get(c.host), c)
      if (a === undefined || b === undefined) continue
      parts.push(`${describeCounter(c)} +${b - a}`)
      if (b > a) seen = true
    }
    return parts.length ? {...h, probe: {seen, evidence: parts.join(', ')}} : h
  })
}

/** The endpoint the DNAT really chose: the DNAT rule whose counter moved on the source host. */
export function chosenEndpoint(before: HostFacts | undefined, after: HostFacts | undefined, candidates: readonly string[]): string | undefined {
  const nat = after?.iptables?.nat
  if (!nat) return undefined
  let best: {dnat: string; delta: number} | undefined
  for (const chain of Object.values(nat)) {
    for (const r of chain.rules) {
      if (target(r).name !== 'DNAT') continue
      const old = before?.iptables?.nat?.[chain.name]?.rules[r.num - 1]?.counters?.packets ?? 0
      const delta = (r.counters?.packets ?? 0) - old
      const to = r.args[r.args.indexOf('--to-destination') + 1]
      if (delta > 0 && candidates.includes(to) && (!best || delta > best.delta)) best = {dnat: to, delta}
    }
  }
  return best?.dnat
}
