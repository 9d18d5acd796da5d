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

/** Parses addresses and CIDRs (`10.0.0.0/8`, `::1`, `fd00::/8`); throws `MONITOR_INVALID_OPTIONS` on a bad one. */
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
        'MONITOR_INVALID_OPTIONS',
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

const MAX_PORT = 65_535

/**
 * The address of one `X-Forwarded-For` hop, as proxies write them: `203.0.113.7`,
 * `203.0.113.7:51234`, `2001:db8::7`, `[2001:db8::7]` or `[2001:db8::7]:443` (IPv4-mapped IPv6
 * becomes IPv4). Anything else (`unknown`, obfuscated `_identifiers`, a bracketed IPv4, a bad
 * port, an empty hop) is `undefined`: the caller must deny, never fall back to the proxy.
 */
export function parseForwardedHop(hop: string): string | undefined {
  const text = hop.trim()
  const portOk = (port: string | undefined) => port === undefined || Number(port) <= MAX_PORT
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(text)
  if (bracketed) {
    const address = bracketed[1] as string
    return isIP(address) === 6 && portOk(bracketed[2]) ? normalizeAddress(address) : undefined
  }
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text)
  if (v4) return isIP(v4[1] as string) === 4 && portOk(v4[2]) ? (v4[1] as string) : undefined
  return isIP(text) === 6 ? normalizeAddress(text) : undefined
}

/**
 * The client address of a request: the socket peer, unless the peer is a trusted proxy, in
 * which case `X-Forwarded-For` is walked from the right, skipping trusted hops; the first
 * untrusted hop is the client. A header from an untrusted peer is ignored, so it cannot be
 * spoofed. A hop that cannot be parsed (see {@link parseForwardedHop}) makes the result
 * `undefined`: the request is denied rather than attributed to the proxy.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: AddressSet | undefined,
): string | undefined {
  if (!peer) return undefined
  const direct = normalizeAddress(peer)
  if (!trusted?.has(direct) || forwardedFor === undefined) return direct
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',')
  let client = direct
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseForwardedHop(hops[i] as string)
    if (hop === undefined) return undefined
    client = hop
    if (!trusted.has(hop)) return client
  }
  return client
}
