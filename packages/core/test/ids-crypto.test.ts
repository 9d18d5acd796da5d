import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  constantTimeEqual,
  createUuidV7Generator,
  hmacSha256,
  isUuidV7,
  sha256Hex,
  uuidv7,
  uuidv7Timestamp,
  verifyHmacSha256,
} from '../src/index.js'
import { createRedactor } from '../src/internal/index.js'
import { createFakeClock } from '../src/testing/index.js'

describe('uuidv7', () => {
  it('is a valid v7 UUID carrying its millisecond timestamp', () => {
    const clock = createFakeClock(1_700_000_000_123)
    const id = createUuidV7Generator(clock)()
    expect(isUuidV7(id)).toBe(true)
    expect(uuidv7Timestamp(id)).toBe(1_700_000_000_123)
    expect(isUuidV7(uuidv7())).toBe(true)
  })

  it('sorts in creation order within one millisecond and when the clock steps back', async () => {
    const clock = createFakeClock(1_700_000_000_000)
    const next = createUuidV7Generator(clock)
    const ids: string[] = []
    for (let i = 0; i < 5_000; i++) ids.push(next())
    await clock.setTime(1_600_000_000_000)
    for (let i = 0; i < 10; i++) ids.push(next())
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })
})

describe('constant-time comparison and HMAC', () => {
  it('compares equal and unequal values of any length', () => {
    expect(constantTimeEqual('secret', 'secret')).toBe(true)
    expect(constantTimeEqual('secret', 'secreT')).toBe(false)
    expect(constantTimeEqual('secret', 'secret-longer')).toBe(false)
    expect(constantTimeEqual('', '')).toBe(true)
    expect(constantTimeEqual(Buffer.from('abc'), 'abc')).toBe(true)
  })

  it('matches node:crypto HMAC and verifies it', () => {
    const expected = createHmac('sha256', 'key').update('data').digest('hex')
    expect(hmacSha256('key', 'data')).toBe(expected)
    expect(verifyHmacSha256('key', 'data', expected)).toBe(true)
    expect(verifyHmacSha256('key', 'data!', expected)).toBe(false)
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})

describe('createRedactor', () => {
  it('removes nested and wildcard paths without touching the input', () => {
    const redact = createRedactor(['metadata.card.number', 'after.*.ssn', 'token'])
    const input = {
      token: 't',
      metadata: { card: { number: '4242', brand: 'visa' } },
      after: { alice: { ssn: '1', name: 'A' }, bob: { name: 'B' } },
    }
    expect(redact(input)).toEqual({
      metadata: { card: { brand: 'visa' } },
      after: { alice: { name: 'A' }, bob: { name: 'B' } },
    })
    expect(input.metadata.card.number).toBe('4242')
  })

  it('can mask instead of removing', () => {
    expect(createRedactor(['a.b'], { censor: '[redacted]' })({ a: { b: 1, c: 2 } })).toEqual({
      a: { b: '[redacted]', c: 2 },
    })
  })
})
