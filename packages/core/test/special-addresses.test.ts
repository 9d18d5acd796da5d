import { BlockList } from 'node:net'
import { describe, expect, it } from 'vitest'
import { isBlockedAddress } from '../src/index.js'
import {
  blockedAddressRange,
  IPV4_SPECIAL_PURPOSE,
  IPV6_SPECIAL_PURPOSE,
  type SpecialPurposeRange,
  specialPurposeRange,
} from '../src/internal/index.js'

// The first and last address of every registry entry, computed with node's own address parser
// (SocketAddress/BlockList), not ours, then judged by the guard.

function v4Bounds(cidr: string): [string, string] {
  const [network = '', bits = ''] = cidr.split('/')
  const value = network.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
  const size = 2 ** (32 - Number(bits))
  const start = value - (value % size)
  const quad = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.')
  return [quad(start), quad(start + size - 1)]
}

function v6Bounds(cidr: string): [string, string] {
  const [network = '', bits = ''] = cidr.split('/')
  const hex = new URL(`http://[${network}]/`).hostname // node's canonical form
  const groups = expandV6(hex.slice(1, -1))
  const value = groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n)
  const host = BigInt(128 - Number(bits))
  const start = (value >> host) << host
  const end = start + (1n << host) - 1n
  const text = (n: bigint) =>
    Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':')
  return [text(start), text(end)]
}

function expandV6(address: string): number[] {
  const [head = '', tail] = address.split('::')
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)))
  const left = part(head)
  const right = tail === undefined ? [] : part(tail)
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
}

/** Checks our bounds against node's BlockList, an independent implementation of CIDR matching. */
function nodeContains(cidr: string, address: string, type: 'ipv4' | 'ipv6'): boolean {
  const [network = '', bits = ''] = cidr.split('/')
  const list = new BlockList()
  list.addSubnet(network, Number(bits), type)
  return list.check(address, type)
}

describe('IPv4 special-purpose registry: every entry is refused, first to last address', () => {
  it.each(IPV4_SPECIAL_PURPOSE.map((r) => [r.cidr, r] as [string, SpecialPurposeRange]))('%s', (cidr) => {
    for (const address of v4Bounds(cidr)) {
      expect(nodeContains(cidr, address, 'ipv4')).toBe(true)
      expect(isBlockedAddress(address), address).toBe(true)
      expect(specialPurposeRange(address)).toBeDefined()
    }
  })
})

describe('IPv6 special-purpose registry: every entry is refused (or judged by the IPv4 it carries)', () => {
  it.each(IPV6_SPECIAL_PURPOSE.map((r) => [r.cidr, r] as [string, SpecialPurposeRange]))(
    '%s',
    (cidr, range) => {
      const [first, last] = v6Bounds(cidr)
      for (const address of [first, last]) expect(nodeContains(cidr, address, 'ipv6')).toBe(true)
      if (range.verdict === 'refuse') {
        expect(isBlockedAddress(first), first).toBe(true)
        expect(isBlockedAddress(last), last).toBe(true)
        return
      }
      // embedded IPv4: private carried → refused; public carried → allowed
      const prefixGroups = expandV6(first).slice(0, (range.ipv4At as number) / 16)
      const carrying = (v4: string) => {
        const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number)
        const tail = [(a << 8) | b, (c << 8) | d]
        const groups = [...prefixGroups, ...tail]
        while (groups.length < 8) groups.push(0)
        return groups.map((g) => g.toString(16)).join(':')
      }
      for (const v4 of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '192.168.0.1', '100.64.0.1', '0.0.0.0'])
        expect(isBlockedAddress(carrying(v4)), carrying(v4)).toBe(true)
      for (const v4 of ['8.8.8.8', '1.1.1.1', '93.184.216.34'])
        expect(isBlockedAddress(carrying(v4)), carrying(v4)).toBe(false)
    },
  )
})

describe('the edges and the spellings', () => {
  it.each([
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '[::ffff:7f00:1]',
    '::ffff:0:7f00:1', // IPv4-translated (SIIT)
    '::ffff:0:808:808', // SIIT never reaches anything legitimate
    '64:ff9b::10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::808:808', // local-use NAT64 is refused whatever it carries
    '64:ff9b:1:ffff::1',
    '2002:a9fe:a9fe::1', // 6to4 carrying cloud metadata
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    '::127.0.0.1',
    'fe80::1%eth0',
    '1::1', // outside 2000::/3
    '4000::1',
    'not-an-address',
    '',
  ])('refuses %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true)
  })

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4007:80e::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2001:200::1',
    '2001:4860:4860::8888',
  ])('allows %s', (address) => {
    expect(blockedAddressRange(address)).toBeUndefined()
  })

  it('names the block that refuses an address', () => {
    expect(blockedAddressRange('169.254.169.254')).toBe('169.254.0.0/16 Link Local (cloud metadata)')
    expect(blockedAddressRange('::ffff:10.0.0.1')).toBe('::ffff:0:0/96 carrying 10.0.0.0/8 Private-Use')
    expect(blockedAddressRange('192.0.0.9')).toBe('192.0.0.9/32 Port Control Protocol Anycast')
  })
})
