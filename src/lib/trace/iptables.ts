/**
 * A small reader of `iptables-save -c` text: tables, chains with their policies and counters, and
 * rules as argv (with their packet counters). Enough for trace and doctor to follow a packet
 * through kube-proxy's KUBE-* chains and mk8s's own; not a general iptables implementation.
 */
export interface Counters {
  packets: number
  bytes: number
}

export interface Rule {
  table: string
  chain: string
  /** the rule's options after `-A CHAIN`, as argv (quotes removed) */
  args: string[]
  /** the rule as iptables-save wrote it (without counters) */
  text: string
  /** index in its chain, from 1 (as `iptables -L --line-numbers` counts) */
  num: number
  counters?: Counters
}

export interface Chain {
  name: string
  /** ACCEPT/DROP for built-in chains; undefined ("-") for user chains */
  policy?: string
  counters?: Counters
  rules: Rule[]
}

export type Ruleset = Record<string, Record<string, Chain>>

/** Split a rule like a shell would for iptables-save's output: "..." quoting with \" escapes. */
export function splitArgs(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]))
}

const counters = (s: string): Counters | undefined => {
  const m = /^\[(\d+):(\d+)\]$/.exec(s)
  return m ? {packets: Number(m[1]), bytes: Number(m[2])} : undefined
}

export function parseIptablesSave(text: string): Ruleset {
  const out: Ruleset = {}
  let table = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line === 'COMMIT') continue
    if (line.startsWith('*')) {
      table = line.slice(1)
      out[table] ??= {}
      continue
    }
    if (!table) continue
    if (line.startsWith(':')) {
      const [name, policy, c] = line.slice(1).split(/\s+/)
      out[table][name] = {name, policy: policy === '-' ? undefined : policy, counters: c ? counters(c) : undefined, rules: out[table][name]?.rules ?? []}
      continue
    }
    let rest = line
    let c: Counters | undefined
    const m = /^(\[\d+:\d+\])\s+(.*)$/.exec(rest)
    if (m) {
      c = counters(m[1])
      rest = m[2]
    }
    const argv = splitArgs(rest)
    if (argv[0] !== '-A' || argv.length < 2) continue
    const chain = (out[table][argv[1]] ??= {name: argv[1], rules: []})
    chain.rules.push({table, chain: argv[1], args: argv.slice(2), text: rest, num: chain.rules.length + 1, counters: c})
  }
  return out
}

/** The value after an option (e.g. "-j", "--to-destination"), if the rule has it. */
export function optValue(args: readonly string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length - 1; i++) if (names.includes(args[i])) return args[i + 1]
  return undefined
}

/** The rule's target (-j) or goto (-g). */
export function target(r: Pick<Rule, 'args'>): {name?: string; goto: boolean} {
  const j = optValue(r.args, '-j', '--jump')
  if (j) return {name: j, goto: false}
  const g = optValue(r.args, '-g', '--goto')
  return {name: g, goto: Boolean(g)}
}

