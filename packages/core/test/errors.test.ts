import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { CoreError, isOpskitError, jsonObjectSchema, OpskitError, parseInput } from '../src/index.js'
import { isBoundedJsonObject, requiredOptionError } from '../src/internal/index.js'

class DemoError extends OpskitError<'DEMO_BAD' | 'DEMO_WORSE'> {}

describe('OpskitError', () => {
  it('carries a stable code, the package, details and a normalised cause', () => {
    const err = new DemoError({
      code: 'DEMO_BAD',
      message: 'it broke',
      package: 'demo',
      cause: 'raw string',
      details: { a: 1 },
    })
    expect(err.message).toBe('[opskit/demo] it broke')
    expect(err.code).toBe('DEMO_BAD')
    expect(err.name).toBe('DemoError')
    expect(err.cause).toBeInstanceOf(Error)
    expect(err.cause?.message).toBe('raw string')
    expect(err.retryable).toBe(false)
    expect(err.toJSON()).toEqual({
      name: 'DemoError',
      code: 'DEMO_BAD',
      package: 'demo',
      message: '[opskit/demo] it broke',
      details: { a: 1 },
    })
  })

  it('is recognised by brand and code, not by instanceof', () => {
    const err = new CoreError('CORE_INVALID_ARGUMENT', 'nope')
    expect(isOpskitError(err)).toBe(true)
    expect(isOpskitError(err, 'CORE_INVALID_ARGUMENT')).toBe(true)
    expect(isOpskitError(err, 'CORE_ABORTED')).toBe(false)
    expect(isOpskitError(new Error('plain'))).toBe(false)
    expect(isOpskitError({ code: 'CORE_INVALID_ARGUMENT' })).toBe(false)
    const copy = Object.create(null) as Record<symbol | string, unknown>
    copy[Symbol.for('opskit.error')] = true
    copy.code = 'X'
    expect(isOpskitError(copy, 'X')).toBe(true)
  })

  it('names a missing option', () => {
    const err = requiredOptionError('notify', 'twilio', 'accountSid')
    expect(err.code).toBe('CORE_REQUIRED_OPTION')
    expect(err.message).toContain('[twilio] missing required option `accountSid`')
  })
})

describe('parseInput', () => {
  const schema = z.object({ actor: z.object({ id: z.string() }), tags: z.array(z.string()).optional() })
  const toError = (message: string) => new CoreError('CORE_INVALID_ARGUMENT', message)

  it('returns parsed data', () => {
    expect(parseInput(schema, { actor: { id: 'u1' } }, toError)).toEqual({ actor: { id: 'u1' } })
  })

  it('names every offending field path', () => {
    let caught: unknown
    try {
      parseInput(schema, { actor: { id: 5 }, tags: ['a', 7] }, toError)
    } catch (error) {
      caught = error
    }
    expect(isOpskitError(caught, 'CORE_INVALID_ARGUMENT')).toBe(true)
    expect((caught as Error).message).toMatch(/actor\.id: .*expected string/i)
    expect((caught as Error).message).toMatch(/tags\[1\]/)
  })
})

describe('jsonObjectSchema', () => {
  const schema = jsonObjectSchema({ maxDepth: 3, maxBytes: 100 })
  it.each([
    ['prototype pollution', JSON.parse('{"__proto__": {"admin": true}}')],
    ['constructor key', { a: { constructor: { prototype: 1 } } }],
    ['too deep', { a: { b: { c: { d: 1 } } } }],
    ['too large', { text: 'x'.repeat(200) }],
    ['non-finite number', { n: Number.NaN }],
    ['a function', { f: () => 1 }],
    ['a class instance', { d: new Date() }],
    ['an array at the root', [1, 2]],
  ])('rejects %s', (_label, value) => {
    expect(schema.safeParse(value).success).toBe(false)
    expect(isBoundedJsonObject(value, { maxDepth: 3, maxBytes: 100 })).toBe(false)
  })
  it('accepts plain bounded JSON', () => {
    expect(schema.safeParse({ a: { b: [1, 'two', null, true] } }).success).toBe(true)
    expect(isBoundedJsonObject({ a: { b: [1, 'two', null, true] } }, { maxDepth: 3, maxBytes: 100 })).toBe(
      true,
    )
  })
  it('measures the size exactly when the quick bound is over the limit', () => {
    // 60 characters could take 360 bytes escaped; as written they take 71.
    expect(schema.safeParse({ text: 'x'.repeat(60) }).success).toBe(true)
    expect(schema.safeParse({ text: '"'.repeat(60) }).success).toBe(false)
  })
  it('accepts a sparse array, whose holes serialise as null', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    expect(schema.safeParse({ list: [1, , 2] }).success).toBe(true)
  })
  it('names the path of a bad value inside arrays and objects', () => {
    const result = schema.safeParse({ a: { b: [1, Number.POSITIVE_INFINITY] } })
    expect(result.error?.issues[0]?.path).toEqual(['a', 'b', 1])
  })
})
