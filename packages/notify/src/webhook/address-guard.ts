import { lookup as dnsLookup } from 'node:dns/promises'
import type { LookupFunction } from 'node:net'
import { isIP } from 'node:net'

/** One address a hostname resolves to. */
export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/** Resolves a hostname to every address it has (what `dns.lookup(host, { all: true })` returns). */
export type WebhookResolver = (hostname: string) => Promise<ResolvedAddress[]>

/** The system resolver (`getaddrinfo`, so `/etc/hosts` counts), every address, in its order. */
export const systemResolver: WebhookResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }))

/** IPv4 ranges no webhook may reach: `[network, prefix length]`. */
const BLOCKED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
]

function v4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
}

const BLOCKED_V4_RANGES = BLOCKED_V4.map(([network, bits]) => {
  const size = 2 ** (32 - bits)
  const start = v4ToInt(network)
  return { start, end: start + size - 1 }
})

function isBlockedV4(address: string): boolean {
  const value = v4ToInt(address)
  return BLOCKED_V4_RANGES.some((range) => value >= range.start && value <= range.end)
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad and a zone are handled). */
function v6Groups(input: string): number[] {
  let address = input.split('%')[0] as string
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)
  if (dotted) {
    const value = v4ToInt(dotted[1] as string)
    address = `${address.slice(0, -(dotted[1] as string).length)}${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`
  }
  const [head = '', tail] = address.split('::')
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16))
  const left = parse(head)
  if (tail === undefined) return left
  const right = parse(tail)
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
}

function embeddedV4(groups: number[], high: number, low: number): string {
  const a = groups[high] as number
  const b = groups[low] as number
  return `${a >>> 8}.${a & 0xff}.${b >>> 8}.${b & 0xff}`
}

function isBlockedV6(address: string): boolean {
  const g = v6Groups(address)
  const first = g[0] as number
  const zeroUpTo = (n: number) => g.slice(0, n).every((group) => group === 0)
  // ::/128 unspecified, ::1 loopback, ::/96 IPv4-compatible (deprecated): all refused.
  if (zeroUpTo(6)) return true
  // ::ffff:0:0/96 IPv4-mapped: the IPv4 address decides.
  if (zeroUpTo(5) && g[5] === 0xffff) return isBlockedV4(embeddedV4(g, 6, 7))
  // 64:ff9b::/96 NAT64: the embedded IPv4 address decides.
  if (first === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((group) => group === 0))
    return isBlockedV4(embeddedV4(g, 6, 7))
  // 2002::/16 6to4: the embedded IPv4 address decides.
  if (first === 0x2002) return isBlockedV4(embeddedV4(g, 1, 2))
  if ((first & 0xfe00) === 0xfc00) return true // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return true // fe80::/10 link-local
  if ((first & 0xffc0) === 0xfec0) return true // fec0::/10 site-local (deprecated)
  if ((first & 0xff00) === 0xff00) return true // ff00::/8 multicast
  if (first === 0x2001 && g[1] === 0x0db8) return true // 2001:db8::/32 documentation
  if (first === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return true // 100::/64 discard
  return false
}

/**
 * Whether an IP address is one a webhook must not reach without `allowPrivateNetworks`: loopback,
 * private, link-local (cloud metadata), carrier-grade NAT, "this network", documentation,
 * benchmarking, multicast and reserved ranges, in IPv4 and IPv6 — IPv4-mapped, NAT64 and 6to4
 * IPv6 addresses are judged by the IPv4 address they carry. A string that is not an IP address
 * is refused too.
 */
export function isBlockedAddress(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '')
  const version = isIP(host.split('%')[0] as string)
  if (version === 4) return isBlockedV4(host)
  if (version === 6) return isBlockedV6(host)
  return true
}

/** A hostname that names the local machine or an internal zone whatever it resolves to. */
export function isInternalName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  return host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')
}

/** Raised inside the connection when a resolved address is refused. */
export class BlockedAddressError extends Error {
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to a private or reserved address (${address})`)
    this.name = 'BlockedAddressError'
  }
}

/**
 * A `lookup` for `http.request`/`net.connect`: resolves with `resolve`, and when `guard` is on
 * fails the connection with a {@link BlockedAddressError} if ANY resolved address is blocked.
 * The socket then connects to the very addresses checked here, so a second resolution (DNS
 * rebinding) cannot slip a private address in between check and connect.
 */
export function guardedLookup(resolve: WebhookResolver, guard: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined
        const usable = wanted ? addresses.filter((entry) => entry.family === wanted) : addresses
        if (guard) {
          const blocked = addresses.find((entry) => isBlockedAddress(entry.address))
          if (blocked) {
            callback(new BlockedAddressError(hostname, blocked.address), '', 4)
            return
          }
        }
        if (usable.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`)
          error.code = 'ENOTFOUND'
          callback(error, '', 4)
          return
        }
        if (options.all) {
          callback(null, usable)
          return
        }
        const first = usable[0] as ResolvedAddress
        callback(null, first.address, first.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    )
  }
}
