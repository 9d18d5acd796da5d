import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { type AuditEventInput, createAuditLog, isOpskitError } from './helpers.js'

const ok = { action: 'user.login', category: 'authentication', actor: { id: 'u_1' } } as const
const deep = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: true }
  for (let i = 0; i < levels; i++) value = { nested: value }
  return value
}
const polluted = JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>

// Each case: a malformed event and the field path its error must name. Free text that is too long
// or holds control characters is kept (escaped, cut and flagged): see intake.test.ts.
const cases: Array<[string, unknown, string]> = [
  ['not an object', 'user.login', ''],
  ['null', null, ''],
  ['missing action', { category: 'authentication', actor: { id: 'u' } }, 'action'],
  ['action wrong type', { ...ok, action: 42 }, 'action'],
  ['action with spaces', { ...ok, action: 'user login' }, 'action'],
  ['action upper case', { ...ok, action: 'User.Login' }, 'action'],
  ['action too long', { ...ok, action: `a.${'b'.repeat(200)}` }, 'action'],
  ['unknown category', { ...ok, category: 'gossip' }, 'category'],
  ['unknown severity', { ...ok, severity: 'meh' }, 'severity'],
  ['unknown outcome', { ...ok, outcome: 'maybe' }, 'outcome'],
  ['missing actor', { action: 'user.login', category: 'authentication' }, 'actor'],
  ['actor not an object', { ...ok, actor: 'u_1' }, 'actor'],
  ['empty actor id', { ...ok, actor: { id: '' } }, 'actor.id'],
  ['unknown actor type', { ...ok, actor: { id: 'u', type: 'robot' } }, 'actor.type'],
  ['bad email', { ...ok, actor: { id: 'u', email: 'not-an-email' } }, 'actor.email'],
  ['bad ip', { ...ok, actor: { id: 'u', ip: '999.1.1.1' } }, 'actor.ip'],
  ['unknown actor key', { ...ok, actor: { id: 'u', password: 'x' } }, 'actor'],
  ['target without type', { ...ok, target: { id: 't' } }, 'target.type'],
  ['tenant with spaces', { ...ok, tenantId: 'acme corp' }, 'tenantId'],
  ['tenant too long', { ...ok, tenantId: 't'.repeat(200) }, 'tenantId'],
  ['metadata not an object', { ...ok, metadata: [1, 2] }, 'metadata'],
  ['metadata nested too deep', { ...ok, metadata: deep(20) }, 'metadata'],
  // Long free text is cut rather than refused (intake.test.ts); many members still exceed the limit.
  [
    'metadata too large',
    {
      ...ok,
      metadata: Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, 'v'.repeat(20)])),
    },
    'metadata',
  ],
  ['metadata __proto__ key', { ...ok, metadata: polluted }, 'metadata'],
  ['before with constructor key', { ...ok, before: { constructor: { prototype: {} } } }, 'before'],
  ['after with a function', { ...ok, after: { fn: () => 1 } }, 'after'],
  ['after with NaN', { ...ok, after: { n: Number.NaN } }, 'after'],
  ['metadata with a Date object', { ...ok, metadata: { at: new Date() } }, 'metadata'],
  ['invalid date object', { ...ok, occurredAt: new Date('nope') }, 'occurredAt'],
  ['unparseable date string', { ...ok, occurredAt: '31/12/2025' }, 'occurredAt'],
  ['negative epoch', { ...ok, occurredAt: -5 }, 'occurredAt'],
  ['fractional epoch', { ...ok, occurredAt: 1.5 }, 'occurredAt'],
  ['unknown top-level key', { ...ok, hash: 'deadbeef' }, ''],
  ['requestId wrong type', { ...ok, requestId: 123 }, 'requestId'],
]

forEachDialect('audit input validation', ({ db }) => {
  it(`rejects ${cases.length} malformed events with AUDIT_INVALID_EVENT naming the field, writing nothing`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(30)
    const audit = await createAuditLog({ db: db(), tablePrefix: 'val_', auditReads: false })
    for (const [name, input, path] of cases) {
      const error = await audit.log(input as AuditEventInput).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isOpskitError(error, 'AUDIT_INVALID_EVENT'), name).toBe(true)
      const issues = (error as { details: { issues: Array<{ path: string }> } }).details.issues
      if (path)
        expect(
          issues.map((issue) => issue.path).some((p) => p.startsWith(path)),
          `${name}: ${JSON.stringify(issues)}`,
        ).toBe(true)
    }
    const count = await sql<{ n: number }>`SELECT count(*) AS n FROM val_audit_events`.execute(db())
    expect(Number(count.rows[0]?.n)).toBe(0)
    expect((await audit.log(ok)).seq).toBe(1)
    await audit.close()
  })
})
