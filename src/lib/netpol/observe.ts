import type {NodeModel} from './plan.js'

/** What a node's table holds, from `nft -j list table inet mk8s-netpol`. */
export interface Observed {
  sets: Map<string, Set<string>>
  counters: Set<string>
  /** chain name -> number of rules */
  chains: Map<string, number>
}

type J = Record<string, any>

const element = (e: unknown): string => {
  if (typeof e === 'string' || typeof e === 'number') return String(e)
  const o = e as J
  if (o?.concat) return (o.concat as unknown[]).map(element).join(' . ')
  if (o?.elem) return element(o.elem.val)
  if (o?.prefix) return `${o.prefix.addr}/${o.prefix.len}`
  return JSON.stringify(e)
}

/** undefined: not JSON (the table is not there). */
export function parseNetpolTable(text: string): Observed | undefined {
  let doc: J
  try {
    doc = JSON.parse(text) as J
  } catch {
    return undefined
  }
  const o: Observed = {sets: new Map(), counters: new Set(), chains: new Map()}
  for (const item of (doc.nftables ?? []) as J[]) {
    if (item.set) o.sets.set(item.set.name, new Set(((item.set.elem ?? []) as unknown[]).map(element)))
    else if (item.counter) o.counters.add(item.counter.name)
    else if (item.chain) o.chains.set(item.chain.name, o.chains.get(item.chain.name) ?? 0)
    else if (item.rule) o.chains.set(item.rule.chain, (o.chains.get(item.rule.chain) ?? 0) + 1)
  }
  return o
}

const BASE = new Map([['egress-forward', 4], ['ingress-forward', 4], ['egress-input', 3]])

/** How the table on a node differs from the one the state wants, in words (empty: the same). */
export function netpolDrift(want: NodeModel, have: Observed): string[] {
  const out: string[] = []
  for (const [name, def] of want.sets) {
    const got = have.sets.get(name)
    if (!got) {
      out.push(`set ${name} missing`)
      continue
    }
    const missing = [...def.elements].filter((e) => !got.has(e))
    const extra = [...got].filter((e) => !def.elements.has(e))
    if (missing.length) out.push(`set ${name} lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}`)
    if (extra.length) out.push(`set ${name} has ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', ...' : ''} that the state does not`)
  }
  for (const name of have.sets.keys()) if (!want.sets.has(name)) out.push(`set ${name} is not wanted`)
  const chains = new Map([...[...want.chains].map(([k, v]) => [k, v.length] as const), ...BASE])
  for (const [name, n] of chains) {
    const got = have.chains.get(name)
    if (got === undefined) out.push(`chain ${name} missing`)
    else if (got !== n) out.push(`chain ${name} has ${got} rule(s), the state wants ${n}`)
  }
  for (const name of have.chains.keys()) if (!chains.has(name)) out.push(`chain ${name} is not wanted`)
  for (const c of want.counters) if (!have.counters.has(c)) out.push(`counter ${c} missing`)
  return out
}
