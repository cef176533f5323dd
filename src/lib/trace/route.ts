import type {Route} from './facts.js'
import {inNet} from './netfilter.js'

const bitsOf = (dst: string): number => (dst === 'default' ? 0 : dst.includes('/') ? Number(dst.split('/')[1]) : 32)

/** The kernel's choice in the main table: the longest prefix that holds the address (unicast only). */
export function lookupRoute(routes: readonly Route[], ip: string): Route | undefined {
  let best: Route | undefined
  for (const r of routes) {
    if (r.type && r.type !== 'unicast') continue
    if (r.dst !== 'default' && !inNet(r.dst, ip)) continue
    if (!best || bitsOf(r.dst) > bitsOf(best.dst)) best = r
  }
  return best
}

export const describeRoute = (r: Route): string =>
  `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.onlink ? ' onlink' : ''}`
