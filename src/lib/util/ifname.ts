import {createHash} from 'node:crypto'

/** A Linux interface name (15 characters at most): prefix+name when it fits, else prefix+hash. */
export function ifname(prefix: string, name: string): string {
  if (prefix.length + name.length <= 15) return prefix + name
  return prefix + createHash('sha256').update(name).digest('hex').slice(0, 15 - prefix.length)
}

/** A short stable hash, for names computed from state and never stored. */
export const shortHash = (text: string, len = 8): string => createHash('sha256').update(text).digest('hex').slice(0, len)
