import ipaddr from 'ipaddr.js'
import {InputError} from '../errors.js'

export interface Cidr {
  /** network address as a 32-bit number */
  base: number
  bits: number
  text: string
}

const toNum = (ip: string): number => ipaddr.IPv4.parse(ip).toByteArray().reduce((a, b) => a * 256 + b, 0)
export const numToIp = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`

export function isIPv4(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s)
}

/** Parse "a.b.c.d/n"; the address must be the network's (10.244.0.0/16, not 10.244.1.0/16). */
export function parseCidr(text: string, what = 'CIDR'): Cidr {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text ?? '')
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) {
    throw new InputError(`invalid ${what} ${JSON.stringify(text)}: expected an IPv4 network like 10.244.0.0/16`)
  }
  const bits = Number(m[2])
  const base = toNum(m[1])
  const size = 2 ** (32 - bits)
  if (base % size !== 0) {
    const net = numToIp(base - (base % size))
    throw new InputError(`invalid ${what} ${text}: host bits are set`, `did you mean ${net}/${bits}?`)
  }
  return {base, bits, text: `${numToIp(base)}/${bits}`}
}

export const cidrSize = (c: Cidr): number => 2 ** (32 - c.bits)

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a)
}

export function contains(c: Cidr, ip: string): boolean {
  const n = toNum(ip)
  return n >= c.base && n < c.base + cidrSize(c)
}

/** The n-th address of a network (0 = the network address). */
export function nthAddress(c: Cidr, n: number): string {
  if (n < 0 || n >= cidrSize(c)) throw new Error(`address ${n} outside ${c.text}`)
  return numToIp(c.base + n)
}

export const ipToNum = toNum

/** The n-th subnet of a given prefix length inside c. */
export function nthSubnet(c: Cidr, bits: number, n: number): Cidr {
  const size = 2 ** (32 - bits)
  if (bits < c.bits || (n + 1) * size > cidrSize(c)) throw new Error(`subnet ${n} of /${bits} outside ${c.text}`)
  const base = c.base + n * size
  return {base, bits, text: `${numToIp(base)}/${bits}`}
}
