import { isIP } from 'node:net'

/**
 * One entry of the IANA special-purpose address registries (or of the IPv4 multicast and IPv6
 * address-space registries) as the outbound guard applies it: `refuse` never reaches it;
 * `embedded-ipv4` judges the IPv4 address carried at bit offset `ipv4At` instead.
 */
export interface SpecialPurposeRange {
  /** CIDR as the registry writes it, e.g. `100.64.0.0/10` or `64:ff9b:1::/48`. */
  readonly cidr: string
  /** The registry's name of the block. */
  readonly name: string
  /** Where it is defined. */
  readonly rfc: string
  readonly verdict: 'refuse' | 'embedded-ipv4'
  /** For `embedded-ipv4`: the bit offset of the IPv4 address inside the IPv6 address. */
  readonly ipv4At?: number
}

const refuse = (cidr: string, name: string, rfc: string): SpecialPurposeRange => ({
  cidr,
  name,
  rfc,
  verdict: 'refuse',
})

/**
 * IANA IPv4 Special-Purpose Address Registry (every entry, including the globally reachable
 * anycast ones: no alert receiver lives there), plus multicast (RFC 5771).
 */
export const IPV4_SPECIAL_PURPOSE: readonly SpecialPurposeRange[] = [
  refuse('0.0.0.0/8', 'This network', 'RFC 791'),
  refuse('0.0.0.0/32', 'This host on this network', 'RFC 1122'),
  refuse('10.0.0.0/8', 'Private-Use', 'RFC 1918'),
  refuse('100.64.0.0/10', 'Shared Address Space', 'RFC 6598'),
  refuse('127.0.0.0/8', 'Loopback', 'RFC 1122'),
  refuse('169.254.0.0/16', 'Link Local (cloud metadata)', 'RFC 3927'),
  refuse('172.16.0.0/12', 'Private-Use', 'RFC 1918'),
  refuse('192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890'),
  refuse('192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335'),
  refuse('192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600'),
  refuse('192.0.0.9/32', 'Port Control Protocol Anycast', 'RFC 7723'),
  refuse('192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'RFC 8155'),
  refuse('192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 7050'),
  refuse('192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 7050'),
  refuse('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737'),
  refuse('192.31.196.0/24', 'AS112-v4', 'RFC 7535'),
  refuse('192.52.193.0/24', 'AMT', 'RFC 7450'),
  refuse('192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526'),
  refuse('192.168.0.0/16', 'Private-Use', 'RFC 1918'),
  refuse('192.175.48.0/24', 'Direct Delegation AS112 Service', 'RFC 7534'),
  refuse('198.18.0.0/15', 'Benchmarking', 'RFC 2544'),
  refuse('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737'),
  refuse('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737'),
  refuse('224.0.0.0/4', 'Multicast', 'RFC 5771'),
  refuse('240.0.0.0/4', 'Reserved', 'RFC 1112'),
  refuse('255.255.255.255/32', 'Limited Broadcast', 'RFC 919'),
]

/**
 * IANA IPv6 Special-Purpose Address Registry (every entry), plus the blocks of the IPv6 address
 * space registry that are not global unicast. Anything outside `2000::/3` that no entry names is
 * refused too (see {@link blockedAddressRange}).
 */
export const IPV6_SPECIAL_PURPOSE: readonly SpecialPurposeRange[] = [
  refuse('::/128', 'Unspecified Address', 'RFC 4291'),
  refuse('::1/128', 'Loopback Address', 'RFC 4291'),
  refuse('::/96', 'IPv4-compatible (deprecated)', 'RFC 4291'),
  {
    cidr: '::ffff:0:0/96',
    name: 'IPv4-mapped Address',
    rfc: 'RFC 4291',
    verdict: 'embedded-ipv4',
    ipv4At: 96,
  },
  refuse('::ffff:0:0:0/96', 'IPv4-translated (SIIT)', 'RFC 2765'),
  {
    cidr: '64:ff9b::/96',
    name: 'IPv4-IPv6 Translation (NAT64 well-known prefix)',
    rfc: 'RFC 6052',
    verdict: 'embedded-ipv4',
    ipv4At: 96,
  },
  refuse('64:ff9b:1::/48', 'IPv4-IPv6 Translation (local-use)', 'RFC 8215'),
  refuse('100::/64', 'Discard-Only Address Block', 'RFC 6666'),
  refuse('100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780'),
  refuse('2001::/23', 'IETF Protocol Assignments', 'RFC 2928'),
  refuse('2001::/32', 'TEREDO', 'RFC 4380'),
  refuse('2001:1::1/128', 'Port Control Protocol Anycast', 'RFC 7723'),
  refuse('2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'RFC 8155'),
  refuse('2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665'),
  refuse('2001:2::/48', 'Benchmarking', 'RFC 5180'),
  refuse('2001:3::/32', 'AMT', 'RFC 7450'),
  refuse('2001:4:112::/48', 'AS112-v6', 'RFC 7535'),
  refuse('2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843'),
  refuse('2001:20::/28', 'ORCHIDv2', 'RFC 7343'),
  refuse('2001:30::/28', 'Drone Remote ID Protocol Entity Tags', 'RFC 9374'),
  refuse('2001:db8::/32', 'Documentation', 'RFC 3849'),
  { cidr: '2002::/16', name: '6to4', rfc: 'RFC 3056', verdict: 'embedded-ipv4', ipv4At: 16 },
  refuse('2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'RFC 7534'),
  refuse('3fff::/20', 'Documentation', 'RFC 9637'),
  refuse('5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602'),
  refuse('fc00::/7', 'Unique-Local', 'RFC 4193'),
  refuse('fe80::/10', 'Link-Local Unicast', 'RFC 4291'),
  refuse('fec0::/10', 'Site-Local (deprecated)', 'RFC 3879'),
  refuse('ff00::/8', 'Multicast', 'RFC 4291'),
]

/** An IPv4 dotted quad as a 32-bit unsigned integer (caller checked `isIP(...) === 4`). */
function v4Value(address: string): bigint {
  return address.split('.').reduce((acc, part) => acc * 256n + BigInt(Number(part)), 0n)
}

/** An IPv6 address (zone removed, trailing dotted quad allowed) as a 128-bit integer. */
function v6Value(input: string): bigint {
  let address = input
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)
  if (dotted) {
    const v4 = Number(v4Value(dotted[1] as string))
    address = `${address.slice(0, -(dotted[1] as string).length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const [head = '', tail] = address.split('::')
  const groups = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => BigInt(Number.parseInt(g, 16)))
  const left = groups(head)
  const right = tail === undefined ? [] : groups(tail)
  const all = [...left, ...new Array<bigint>(8 - left.length - right.length).fill(0n), ...right]
  return all.reduce((acc, group) => (acc << 16n) | group, 0n)
}

interface CompiledRange {
  range: SpecialPurposeRange
  bits: number
  start: bigint
  end: bigint
}

function compile(table: readonly SpecialPurposeRange[], width: 32 | 128): CompiledRange[] {
  const compiled = table.map((range) => {
    const [network = '', prefix = ''] = range.cidr.split('/')
    const bits = Number(prefix)
    const value = width === 32 ? v4Value(network) : v6Value(network)
    const hostBits = BigInt(width - bits)
    const start = (value >> hostBits) << hostBits
    return { range, bits, start, end: start + (1n << hostBits) - 1n }
  })
  // longest prefix first: the most specific entry names the address
  return compiled.sort((a, b) => b.bits - a.bits)
}

const V4_RANGES = compile(IPV4_SPECIAL_PURPOSE, 32)
const V6_RANGES = compile(IPV6_SPECIAL_PURPOSE, 128)
const GLOBAL_UNICAST_V6 = { start: 0x2n << 124n, end: (0x4n << 124n) - 1n }

const match = (ranges: CompiledRange[], value: bigint) =>
  ranges.find((entry) => value >= entry.start && value <= entry.end)

/** The most specific special-purpose entry that contains `address`, if any. */
export function specialPurposeRange(address: string): SpecialPurposeRange | undefined {
  const host = address.replace(/^\[|\]$/g, '').split('%')[0] as string
  const version = isIP(host)
  if (version === 4) return match(V4_RANGES, v4Value(host))?.range
  if (version === 6) return match(V6_RANGES, v6Value(host))?.range
  return undefined
}

function blockedV4(value: bigint): string | undefined {
  const entry = match(V4_RANGES, value)
  return entry ? `${entry.range.cidr} ${entry.range.name}` : undefined
}

/**
 * Why an address must not be reached, or `undefined` when it may: the matching special-purpose
 * block (`"127.0.0.0/8 Loopback"`); for IPv4-mapped, NAT64 and 6to4 addresses the verdict on the
 * IPv4 address they carry; an IPv6 address outside global unicast `2000::/3`; or
 * `"not an IP address"`.
 */
export function blockedAddressRange(address: string): string | undefined {
  const host = address.replace(/^\[|\]$/g, '').split('%')[0] as string
  const version = isIP(host)
  if (version === 4) return blockedV4(v4Value(host))
  if (version !== 6) return 'not an IP address'
  const value = v6Value(host)
  const entry = match(V6_RANGES, value)
  if (entry?.range.verdict === 'embedded-ipv4') {
    const shift = BigInt(128 - (entry.range.ipv4At as number) - 32)
    const carried = blockedV4((value >> shift) & 0xffffffffn)
    return carried ? `${entry.range.cidr} carrying ${carried}` : undefined
  }
  if (entry) return `${entry.range.cidr} ${entry.range.name}`
  if (value < GLOBAL_UNICAST_V6.start || value > GLOBAL_UNICAST_V6.end)
    return 'outside 2000::/3 global unicast'
  return undefined
}

/**
 * Whether an outbound request must not reach `address`: every block of the IANA IPv4 and IPv6
 * special-purpose registries (loopback, private, link-local and cloud metadata, shared, benchmarking,
 * documentation, multicast, reserved, …), IPv6 outside global unicast, and IPv4-mapped / NAT64 /
 * 6to4 addresses that carry such an IPv4 address. A string that is not an IP address is refused.
 */
export function isBlockedAddress(address: string): boolean {
  return blockedAddressRange(address) !== undefined
}
