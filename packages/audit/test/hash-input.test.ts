import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { canonicalJson, chainHash, leafHash } from '../src/event/canonical.js'

// The sealing path builds hash input without a string or Buffer per event (reused buffers for
// the leaf and chain hashes, keys sorted in place). Each must give the very bytes of the plain
// formula, checked with node:crypto over explicit bytes.

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex')
const hex = (seed: number) => createHash('sha256').update(String(seed)).digest('hex')

describe('hash input built without allocating', () => {
  it('chain hash: SHA-256(0x01 ‖ prev ‖ leaf) for every pair, also after input that decodes short', () => {
    const cases: Array<[string, string]> = []
    for (let i = 0; i < 50; i++) cases.push([hex(i), hex(i + 1000)])
    // Uppercase hex decodes to the same bytes; input that stops being hex (or has another length)
    // decodes only up to there, as Buffer.from(`01${prev}${leaf}`, 'hex') does. Each follows a
    // full pair, so bytes left in the reused buffer by the previous call would show.
    cases.push([hex(1).toUpperCase(), hex(2)])
    cases.push([`${hex(3).slice(0, 10)}zz${hex(3).slice(12)}`, hex(4)])
    cases.push([hex(5), hex(6)])
    cases.push([hex(7), `${hex(8).slice(0, 40)}xy${hex(8).slice(42)}`])
    cases.push([hex(9), hex(10)])
    cases.push([hex(11).slice(0, 62), hex(12)])
    cases.push([`${hex(13)}00`, hex(14)])
    cases.push([hex(15), ''])
    for (const [prev, leaf] of cases)
      expect(chainHash(prev, leaf), `${prev} ${leaf}`).toBe(
        sha256(Buffer.from([1]), Buffer.from(`${prev}${leaf}`, 'hex')),
      )
    // A full pair hashes all 65 bytes.
    expect(chainHash(hex(1), hex(2))).toBe(
      sha256(Buffer.from([1]), Buffer.from(hex(1), 'hex'), Buffer.from(hex(2), 'hex')),
    )
  })

  it('leaf hash: SHA-256(0x00 ‖ UTF-8 body), also for a short body after a long one and past the reused buffer', () => {
    const bodies = [
      '{"a":1}',
      'x'.repeat(5000),
      '',
      '{"é":"\u2028😀"}',
      'lone \ud800 surrogate',
      'y'.repeat(20_000),
      '{"b":2}',
    ]
    for (const body of bodies)
      expect(leafHash(body), body.slice(0, 20)).toBe(sha256(Buffer.from([0]), Buffer.from(body, 'utf8')))
  })

  it('sorts object keys by UTF-16 code units, in place for small objects and large alike', () => {
    const keys = ['b', 'a', 'B', '_', 'aa', 'é', 'z', '\u{1f600}', '\uffff', '10', '9', '', 'A', 'ab', 'a b']
    for (const size of [2, 5, 15, 16, 17, 40]) {
      const object: Record<string, number> = {}
      for (let i = 0; i < size; i++)
        object[`${keys[i % keys.length]}${Math.floor(i / keys.length) || ''}`] = i
      // Object.keys lists integer-like keys first; canonical order is plain code-unit order.
      const expected = Object.keys(object).sort()
      const encoded = canonicalJson(object)
      const order = [...encoded.matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((match) => JSON.parse(`"${match[1]}"`))
      expect(order, `size ${size}`).toEqual(expected)
    }
  })
})
