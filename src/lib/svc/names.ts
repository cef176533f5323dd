import {createHash} from 'node:crypto'

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 base32 (with Go's StdEncoding alphabet), without padding: what kube-proxy hashes into. */
export function base32(buf: Uint8Array): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of buf) {
    value = ((value << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]
  return out
}

const hash16 = (text: string): string => base32(createHash('sha256').update(text).digest()).slice(0, 16)

/** kube-proxy's ServicePortName.String(): "ns/name" plus ":port" when the port is named. */
export const servicePortName = (namespace: string, name: string, portName?: string): string =>
  `${namespace}/${name}${portName ? `:${portName}` : ''}`

/** The hash part of KUBE-SVC-/KUBE-EXT-/KUBE-SVL-/KUBE-FW- names: base32(sha256(portName + protocol))[:16]. */
export const portChainBase = (spn: string, protocol: string): string => hash16(spn + protocol.toLowerCase())

/** KUBE-SEP-<hash> of one endpoint ("10.244.1.5:80") of a service port. */
export const endpointChainName = (spn: string, protocol: string, endpoint: string): string =>
  `KUBE-SEP-${hash16(spn + protocol.toLowerCase() + endpoint)}`

/**
 * nftables chain-name base, in kube-proxy's nftables-mode shape: 8 hash characters, then the
 * readable "ns/name/proto/port" (nft names may be 256 characters long).
 */
export function nftBase(namespace: string, name: string, protocol: string, portName?: string): string {
  const spn = servicePortName(namespace, name, portName)
  return `${portChainBase(spn, protocol).slice(0, 8)}-${namespace}/${name}/${protocol.toLowerCase()}/${portName ?? ''}`
}

/** nftables endpoint chain: its own hash, then the port base's readable part and "__ip/port". */
export function nftEndpointChain(namespace: string, name: string, protocol: string, portName: string | undefined, ip: string, port: number): string {
  const spn = servicePortName(namespace, name, portName)
  const readable = `${namespace}/${name}/${protocol.toLowerCase()}/${portName ?? ''}__${ip}/${port}`
  return `endpoint-${endpointChainName(spn, protocol, `${ip}:${port}`).slice(9, 17)}-${readable}`
}
