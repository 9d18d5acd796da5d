import { mulberry32 } from '@opskit/core/internal'
import { describe, expect, it } from 'vitest'
import { auditEventSchema } from '../src/event/event-schema.js'
import { parseEventFast } from '../src/event/fast-parse.js'

// log()'s hand-written fast path must agree with the schema: whatever it accepts, the schema
// accepts with exactly the same result; whatever the schema rejects, it leaves to the schema.

const polluted = JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>
const nested = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: 1 }
  for (let i = 0; i < levels; i++) value = { nested: value }
  return value
}

// Values each field may take: the first `VALID[key]` are valid, the rest invalid (or left to the
// schema by the fast path). `undefined` means the member is left out.
const pools: Record<string, unknown[]> = {
  action: [
    'user.login',
    'document.view',
    'a',
    'x_1.y-2',
    'User.Login',
    'user login',
    '',
    42,
    `a.${'b'.repeat(130)}`,
  ],
  category: ['authentication', 'data_access', 'compliance', 'gossip', 3],
  severity: [undefined, 'info', 'critical', 'meh', null],
  outcome: [undefined, 'success', 'failure', 'maybe'],
  reason: [undefined, 'wrong password', 'r'.repeat(1024), 'r'.repeat(1025), 'two\nlines', ''],
  tenantId: [undefined, 'acme', 'a.b_c:d@e-f', 'acme corp', 't'.repeat(129), '', 7],
  metadata: [
    undefined,
    { path: '/docs/1', bytes: 12 },
    { nested: { list: [1, 'two', null, true] } },
    { blob: 'x'.repeat(6_000) },
    { blob: '"'.repeat(6_000) },
    { blob: 'x'.repeat(40_000) },
    nested(20),
    polluted,
    { at: new Date(0) },
    { n: Number.NaN },
    [1, 2],
  ],
  before: [undefined, { role: 'member' }, { fn: () => 1 }],
  after: [undefined, { role: 'admin' }, { constructor: { prototype: {} } }],
  requestId: [undefined, 'req_1', 'r'.repeat(256), 'r'.repeat(257), 12, 'a\u0007b'],
  sessionId: [undefined, 'sess_1', ''],
  correlationId: [undefined, '0af7651916cd43dd8448eb211c80319c'],
  occurredAt: [
    undefined,
    0,
    1_700_000_000_000,
    8.64e15,
    8.64e15 + 1,
    -5,
    1.5,
    new Date(0),
    '2025-01-02T03:04:05Z',
    'nope',
  ],
}
const actorPools: Record<string, unknown[]> = {
  id: ['u_1', 'x'.repeat(256), '', 'x'.repeat(257), 'u\n1', 5],
  type: [undefined, 'user', 'service', 'robot'],
  name: [undefined, 'Ada Lovelace', 'n'.repeat(257)],
  email: [undefined, 'ada@example.com', 'not-an-email', `${'a'.repeat(320)}@example.com`],
  role: [undefined, 'admin', 'r'.repeat(129)],
  ip: [undefined, '203.0.113.7', '2001:db8::1', '999.1.1.1', '::ffff:192.0.2.1', '1.2.3'],
  userAgent: [undefined, 'Mozilla/5.0', 'x'.repeat(1025)],
}
const targetPools: Record<string, unknown[]> = {
  type: ['document', '', 't'.repeat(129)],
  id: [undefined, 'doc_1', 'd\td'],
  name: [undefined, 'Quarterly report'],
}

/** How many leading values of each pool are valid. */
const VALID: Record<string, number> = {
  action: 4,
  category: 3,
  severity: 3,
  outcome: 3,
  reason: 3,
  tenantId: 3,
  metadata: 5,
  before: 2,
  after: 2,
  requestId: 3,
  sessionId: 2,
  correlationId: 2,
  occurredAt: 4,
  id: 2,
  type: 3,
  name: 2,
  email: 2,
  role: 2,
  ip: 3,
  userAgent: 2,
}
const TARGET_VALID: Record<string, number> = { type: 1, id: 2, name: 2 }

function build(
  next: () => number,
  pools: Record<string, unknown[]>,
  valid: Record<string, number>,
  validBias: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, values] of Object.entries(pools)) {
    // Mostly valid values, so that most events are valid and take the fast path.
    const range = next() < validBias ? (valid[key] as number) : values.length
    const value = values[Math.floor(next() * range)]
    if (value !== undefined) out[key] = value
  }
  return out
}

function generate(next: () => number): unknown {
  const bias = 0.985
  const event = build(next, pools, VALID, bias)
  event.actor = next() < 0.02 ? 'u_1' : build(next, actorPools, VALID, bias)
  if (next() < 0.6) event.target = build(next, targetPools, TARGET_VALID, bias)
  if (next() < 0.02) event.unknown = 1
  if (next() < 0.02) event.reason = undefined
  if (next() < 0.01) return Object.assign(Object.create({ inherited: true }), event)
  return event
}

function expectAgreement(input: unknown): 'fast' | 'schema' {
  const fast = parseEventFast(input)
  const schema = auditEventSchema.safeParse(input)
  if (fast === undefined) return 'schema'
  expect(schema.success, JSON.stringify(input)?.slice(0, 300)).toBe(true)
  expect(fast).toStrictEqual(schema.data)
  return 'fast'
}

describe('parseEventFast', () => {
  it('gives exactly the schema result for 5,000 generated events, and takes most valid ones itself', () => {
    // Seeded, so a failure replays.
    const next = mulberry32(20261206)
    let fast = 0
    let valid = 0
    for (let i = 0; i < 5_000; i++) {
      const input = generate(next)
      if (expectAgreement(input) === 'fast') fast++
      if (auditEventSchema.safeParse(input).success) valid++
    }
    expect(valid).toBeGreaterThan(1_000)
    // Valid events it leaves to the schema are those with a Date or ISO date, or an IPv6 address.
    expect(fast).toBeGreaterThan(valid * 0.6)
  })

  it('parses the common shapes itself, with the schema defaults', () => {
    const event = {
      action: 'document.view',
      category: 'data_access',
      actor: { id: 'user_1', ip: '203.0.113.7', role: 'member', email: 'ada@example.com' },
      target: { type: 'document', id: 'doc_1' },
      tenantId: 'acme',
      requestId: 'req_1',
      metadata: { path: '/documents/doc_1', bytes: 1024 },
      occurredAt: 1_700_000_000_000,
    }
    const parsed = parseEventFast(event)
    expect(parsed).toStrictEqual(auditEventSchema.parse(event))
    expect(parsed).toMatchObject({ severity: 'info', outcome: 'success', actor: { type: 'user' } })
    // Free-form objects pass by reference, as the schema passes them.
    expect(parsed?.metadata).toBe(event.metadata)
  })

  it.each([
    ['a Date', { occurredAt: new Date(0) }],
    ['an ISO date', { occurredAt: '2025-01-02T03:04:05Z' }],
    ['an IPv6 address', { actor: { id: 'u', ip: '2001:db8::1' } }],
    ['a member set to undefined', { reason: undefined }],
    ['a class instance', { metadata: new (class Meta {})() }],
  ])('leaves an event with %s to the schema', (_label, extra) => {
    const input = { action: 'user.login', category: 'authentication', actor: { id: 'u' }, ...extra }
    expect(parseEventFast(input)).toBeUndefined()
  })
})
