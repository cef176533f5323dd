import {HOSTPORT_CHAIN, hostPortPlan, hostPortsOf} from '../../hostport/plan.js'
import type {Check, Finding} from '../model.js'

/** "8080/tcp -> 10.244.1.5:80" for a DNAT rule of the host-port chain. */
function mapping(args: readonly string[]): string | undefined {
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined)
  const port = at('--dport')
  const to = at('--to-destination')
  return port && to ? `${port}/${at('-p') ?? '?'} -> ${to}` : undefined
}

/**
 * ip driver: each node's host-port chain against the pods of the state that publish host ports,
 * both ways (a port no pod holds any more, a pod's port missing); --fix rewrites the chain.
 */
export const hostPortChecks: Check = ({state, facts}) => {
  if (state.cluster?.driver !== 'ip') return []
  const out: Finding[] = []
  for (const f of facts.values()) {
    if (!state.nodes[f.node] || !f.iptables) continue
    const maps = hostPortsOf(state, f.node)
    const want = new Set(maps.map((m) => `${m.hostPort}/${m.protocol.toLowerCase()} -> ${m.podIP}:${m.containerPort}`))
    const chain = f.iptables.nat?.[HOSTPORT_CHAIN]
    if (!chain && want.size === 0) continue
    const have = new Set((chain?.rules ?? []).map((r) => mapping(r.args)).filter((m): m is string => m !== undefined))
    const missing = [...want].filter((m) => !have.has(m))
    const extra = [...have].filter((m) => !want.has(m))
    if (!missing.length && !extra.length) continue
    out.push({
      id: 'host-ports-stale',
      severity: missing.length ? 'error' : 'warning',
      node: f.node,
      object: `nat ${HOSTPORT_CHAIN}`,
      evidence: [missing.length ? `missing: ${missing.join(', ')}` : '', extra.length ? `no pod holds: ${extra.join(', ')}` : ''].filter(Boolean).join('; '),
      fix: "rewrite the host-port chain from the state's pods",
      safe: true,
      plan: hostPortPlan(maps),
    })
  }
  return out
}
