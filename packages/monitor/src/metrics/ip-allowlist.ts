import { BlockList, isIP } from 'node:net'
import { MonitorError } from '../errors/monitor-error.js'

/** Normalises an address: strips IPv6 zone ids and brackets, and IPv4-mapped IPv6 to IPv4. */
export function normalizeAddress(address: string): string {
  let a = address.trim()
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1)
  const zone = a.indexOf('%')
  if (zone !== -1) a = a.slice(0, zone)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)
  return mapped ? (mapped[1] as string) : a
}

/** A set of IPv4/IPv6 addresses and CIDR ranges. */
export interface AddressSet {
  has(address: string): boolean
}

/** Parses addresses and CIDRs (`10.0.0.0/8`, `::1`, `fd00::/8`); throws `MONITOR_INVALID_CONFIG` on a bad one. */
export function createAddressSet(entries: readonly string[], field: string): AddressSet {
  const list = new BlockList()
  for (const entry of entries) {
    const [rawAddress, rawPrefix, ...rest] = entry.split('/')
    const address = normalizeAddress(rawAddress ?? '')
    const family = isIP(address)
    const prefix = rawPrefix === undefined ? undefined : Number(rawPrefix)
    const max = family === 6 ? 128 : 32
    if (
      family === 0 ||
      rest.length > 0 ||
      (prefix !== undefined && (!Number.isInteger(prefix) || prefix < 0 || prefix > max || rawPrefix === ''))
    ) {
      throw new MonitorError(
        'MONITOR_INVALID_CONFIG',
        `${field}: "${entry}" is not an IP address or CIDR range`,
      )
    }
    const type = family === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address, type)
    else list.addSubnet(address, prefix, type)
  }
  return {
    has(candidate) {
      const address = normalizeAddress(candidate)
      const family = isIP(address)
      if (family === 0) return false
      return list.check(address, family === 6 ? 'ipv6' : 'ipv4')
    },
  }
}

/**
 * The client address of a request: the socket peer, unless the peer is a trusted proxy, in
 * which case `X-Forwarded-For` is walked from the right, skipping trusted hops. A header from an
 * untrusted peer is ignored, so it cannot be spoofed.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: AddressSet | undefined,
): string | undefined {
  if (!peer) return undefined
  const direct = normalizeAddress(peer)
  if (!trusted?.has(direct) || forwardedFor === undefined) return direct
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((hop) => normalizeAddress(hop))
    .filter((hop) => hop.length > 0)
  let client = direct
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string
    if (isIP(hop) === 0) return client
    client = hop
    if (!trusted.has(hop)) return client
  }
  return client
}
