import type {Ctx} from '../context.js'
import {hostOf} from '../cluster/hosts.js'
import {requireCluster, sortedNodes} from '../cluster/model.js'
import type {State} from '../state/schema.js'
import {resolveEndpoint, requireSource} from './endpoints.js'
import {byName, factReads, parseFacts, readPlan, type HostFacts} from './facts.js'
import {protocolOf, type TraceResult} from './model.js'
import {annotate, chosenEndpoint, describeCounter, probeStep} from './probe.js'
import {walk} from './walk.js'
import {NETPOL_READ, parseNetpolCounters, policyHop, probePolicyHop, withPolicyHop} from './hop-policy.js'

/** Facts of every node, one read round trip per node, all nodes at once. Unreadable nodes are left out. */
export async function readAllFacts(ctx: Ctx, state: State, extra: Array<[string, readonly string[]]> = []): Promise<{facts: Map<string, HostFacts>; raw: Map<string, Map<string, {output: string; code: number}>>; errors: Map<string, string>}> {
  const reads = [...factReads({nft: state.cluster?.proxyMode === 'nftables'}), ...extra]
  const nodes = sortedNodes(state)
  const got = await ctx.exec.readEach(nodes.map((n) => [hostOf(n), readPlan(reads)] as const))
  const facts = new Map<string, HostFacts>()
  const raw = new Map<string, Map<string, {output: string; code: number}>>()
  const errors = new Map<string, string>()
  for (const n of nodes) {
    const r = got.get(n.name)
    if (!r || r instanceof Error) {
      errors.set(n.name, r instanceof Error ? r.message : 'no answer')
      continue
    }
    const named = byName(reads, r)
    raw.set(n.name, named)
    facts.set(n.name, parseFacts(n.name, named))
  }
  return {facts, raw, errors}
}

/**
 * `mk8s trace FROM TO`: read every node once, walk the packet through what is really there. With
 * probe: read, send real traffic from the source, read again, follow the endpoint the rules really
 * chose, and mark each hop with what its kernel counters did.
 */
export async function trace(ctx: Ctx, fromText: string, toText: string, opts: {probe?: boolean} = {}): Promise<TraceResult> {
  const state = ctx.store.read()
  requireCluster(state)
  const from = requireSource(resolveEndpoint(state, ctx.namespace, fromText))
  const to = resolveEndpoint(state, ctx.namespace, toText)
  const extra = Object.keys(state.networkPolicies).length ? [NETPOL_READ] : []
  const before = await readAllFacts(ctx, state, extra)
  const proto = protocolOf(to)
  const walked = walk({state, facts: before.facts, from, to})
  const firstHop = policyHop(state, from, to, proto, walked.candidates?.[0]?.endpoint)
  const first = firstHop && walked.ok ? withPolicyHop(walked, probePolicyHop(firstHop, new Map(), new Map())) : walked
  if (!opts.probe) return first
  const srcNode = from.kind === 'pod' ? from.pod.node : from.node.name
  const s = probeStep(from, to.ip, proto, to.port)
  const out = (await ctx.exec.read(hostOf(state.nodes[srcNode]), [s])).get(0) ?? {output: '', code: -1}
  const after = await readAllFacts(ctx, state, extra)
  const endpoint = chosenEndpoint(before.facts.get(srcNode), after.facts.get(srcNode), (first.candidates ?? []).map((c) => c.endpoint))
  let res = walk({state, facts: after.facts, from, to, endpoint})
  res.hops = annotate(res.hops, before.facts, after.facts)
  const hop = policyHop(state, from, to, proto, endpoint ?? res.candidates?.[0]?.endpoint)
  if (hop && res.ok) {
    const counters = (m: typeof before) => parseNetpolCounters(m.raw.get(hop.host)?.get('netpol')?.output)
    res = withPolicyHop(res, probePolicyHop(hop, counters(before), counters(after)))
    if (!res.ok) res.probe = {command: s.argv.join(' '), exitCode: out.code, output: out.output.trim().split('\n').slice(-3).join('\n')}
    if (!res.ok) return res
  }
  res.probe = {command: s.argv.join(' '), exitCode: out.code, output: out.output.trim().split('\n').slice(-3).join('\n')}
  const silent = res.hops.find((h) => h.probe && !h.probe.seen)
  // a probe that could not run or send fails whatever its protocol; UDP has no answer to wait for,
  // so its datagrams count as lost where a hop's counters did not move
  if (res.ok && (out.code !== 0 || (proto === 'udp' && silent))) {
    const at = silent ?? res.hops[res.hops.length - 1]
    const how = silent
      ? `no packets passed here (${silent.counters!.map(describeCounter).join(', ')} unchanged)`
      : proto === 'udp' ? 'see its output' : 'every hop saw the packets, but the answer did not come back'
    res.ok = false
    res.broken = {host: at.host, hop: at.kind, cause: out.code !== 0 ? `the probe failed (exit ${out.code}): ${how}` : `the probe's datagrams were lost: ${how}`}
  }
  return res
}
