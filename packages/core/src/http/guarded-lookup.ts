import type { LookupFunction } from 'node:net'
import { isIP } from 'node:net'
import { blockedAddressRange } from './special-addresses.js'

/** One address a hostname resolves to. */
export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

/** Resolves a hostname to every address it has (what `dns.lookup(host, { all: true })` returns). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>

/**
 * The system resolver (`getaddrinfo`, so `/etc/hosts` counts), every address, in its order.
 * `node:dns` is loaded at the first lookup, not when core is imported.
 */
export const systemResolver: HostResolver = async (hostname) => {
  const { lookup } = await import('node:dns/promises')
  return (await lookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }))
}

/** A hostname that names the local machine or an internal zone whatever it resolves to. */
export function isInternalName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  return host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')
}

/**
 * Why the host part of a URL is refused before any lookup (an IP literal in a special-purpose
 * block, or an internal name), or `undefined`. WHATWG URL parsing has already turned
 * `2130706433`, `0x7f.1` and `127.1` into `127.0.0.1`.
 */
export function refusedHostLiteral(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) !== 0) return blockedAddressRange(host)
  return isInternalName(host) ? 'internal name' : undefined
}

/** Raised inside the connection when a resolved address is refused. */
export class BlockedAddressError extends Error {
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`${hostname} resolves to a special-purpose address (${address}: ${range})`)
    this.name = 'BlockedAddressError'
  }
}

/**
 * A `lookup` for `http.request`/`net.connect`: resolves with `resolve`, and when `guard` is on
 * fails the connection with a {@link BlockedAddressError} if ANY resolved address is blocked.
 * The socket then connects to the very addresses checked here, so a second resolution (DNS
 * rebinding) cannot slip a private address in between check and connect.
 */
export function guardedLookup(resolve: HostResolver, guard: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined
        const usable = wanted ? addresses.filter((entry) => entry.family === wanted) : addresses
        if (guard) {
          for (const entry of addresses) {
            const range = blockedAddressRange(entry.address)
            if (range) {
              callback(new BlockedAddressError(hostname, entry.address, range), '', 4)
              return
            }
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
