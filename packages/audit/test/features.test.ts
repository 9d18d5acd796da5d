import { AsyncLocalStorage } from 'node:async_hooks'
import { generateKeyPairSync } from 'node:crypto'
import { text } from 'node:stream/consumers'
import { type Context, type ContextManager, context, ROOT_CONTEXT, trace } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeBody, sealActor } from '../src/event/event-body.js'
import { createMemoryAuditLog, createMemoryAuditStore } from '../src/testing/index.js'
import {
  type AuditEvent,
  canonicalJson,
  chainHash,
  checkpointSignedBy,
  createAuditLog,
  createCheckpoint,
  csvCell,
  type EventHookContext,
  GENESIS_HASH,
  leafHash,
  parseCheckpoint,
} from './helpers.js'

class AlsContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>()
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args))
  }
  bind<T>(_ctx: Context, target: T): T {
    return target
  }
  enable(): this {
    return this
  }
  disable(): this {
    this.storage.disable()
    return this
  }
}

describe('hashing format', () => {
  it('encodes canonically and hashes with RFC 6962 domain prefixes (golden values)', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 1, y: 2 } })).toBe(
      '{"a":[true,null,"x"],"b":1,"d":{"y":2,"z":1}}',
    )
    const leaf = leafHash('{"a":1}')
    expect(leaf).toBe('c7261463ebd776f4650b6d0fe942d9cc38c925d90f77d440ab6df8d5dd258c5f')
    expect(chainHash(GENESIS_HASH, leaf)).toBe(
      'f7c844ee46acd6298b40fc30dc37b59d67311e2e0e9af49f0ed54d4ba1930aef',
    )
    // SHA-256(0x00 ‖ "") is the RFC 6962 empty-leaf hash.
    expect(leafHash('')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d')
    expect(chainHash(GENESIS_HASH, leaf)).not.toBe(chainHash(GENESIS_HASH, leafHash('{"a":2}')))
  })

  it('encodes every body field in canonical order, with and without each optional field', () => {
    const full = {
      action: 'doc.edit',
      category: 'data_modification',
      severity: 'info',
      outcome: 'failure',
      reason: 'r',
      actor: {
        id: 'u',
        type: 'user',
        name: 'N',
        email: 'e@x.io',
        role: 'admin',
        ip: '192.0.2.1',
        userAgent: 'ua "quoted" \u2028',
      },
      target: { type: 'doc', id: 'd', name: 'n' },
      tenantId: 't',
      before: { z: { b: 1, a: [{ d: 1, c: 2 }] }, a: 1 },
      after: { y: 1, x: 2, é: 'é', Z: [] },
      metadata: { m: true, l: null },
      requestId: 'q',
      sessionId: 's',
      correlationId: 'c',
      occurredAt: 1,
    } as const
    const position = { id: 'i', chainId: 't', seq: 3, recordedAt: 2 }
    const encode = (event: typeof full, seal?: (field: string, value: string) => string) =>
      encodeBody(event as never, position, sealActor(event.actor as never, seal))
    const encoded = encode(full)
    expect(encoded).toBe(canonicalJson(JSON.parse(encoded)))
    expect(encoded).toContain('"before":{"a":1,"z":{"a":[{"c":2,"d":1}],"b":1}}')
    expect(JSON.parse(encoded)).toMatchObject({ chain: 't', id: 'i', seq: 3, recordedAt: 2, v: 1 })
    const sealed = encode(full, (field, value) => `sealed(${field}:${value})`)
    expect(JSON.parse(sealed).actor).toEqual({
      email: 'sealed(actor.email:e@x.io)',
      id: 'u',
      ip: 'sealed(actor.ip:192.0.2.1)',
      name: 'sealed(actor.name:N)',
      role: 'admin',
      type: 'user',
      userAgent: 'sealed(actor.userAgent:ua "quoted" \u2028)',
    })
    const optional = [
      'reason',
      'target',
      'tenantId',
      'before',
      'after',
      'metadata',
      'requestId',
      'sessionId',
      'correlationId',
    ]
    const actorOptional = ['name', 'email', 'role', 'ip', 'userAgent']
    for (let mask = 0; mask < 2 ** optional.length; mask += 7) {
      const event: Record<string, unknown> = { ...full, actor: { ...full.actor } }
      optional.forEach((field, bit) => {
        if (mask & (1 << bit)) delete event[field]
      })
      actorOptional.forEach((field, bit) => {
        if (mask & (1 << (bit + 2))) delete (event.actor as Record<string, unknown>)[field]
      })
      const text = encode(event as never)
      expect(text).toBe(canonicalJson(JSON.parse(text)))
    }
  })

  it('encodes before, after and metadata canonically whatever order and shape their objects have', () => {
    const withProto = (value: unknown) => {
      const object: Record<string, unknown> = { b: 1 }
      Object.defineProperty(object, '__proto__', {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      })
      return object
    }
    const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, {
      z: 1,
      a: { y: 2, x: 1 },
    })
    const holey: unknown[] = [1]
    holey[3] = { b: 2, a: 1 }
    // JS objects list array-index keys first, in numeric order; canonical order is code units.
    const values: unknown[] = [
      { b: 1, a: 2 },
      { a: 1, b: { d: [{ f: 1, e: 2 }, 'x'], c: null } },
      { 10: 'ten', 2: 'two', a: 'a', '-1': 'minus', '01': 'zero-one' },
      { a: { 7: 1, b: 2 } },
      { list: [{ 3: 'x', 1: 'y' }] },
      withProto({ d: 1, c: 2 }),
      nullPrototype,
      { holes: holey, undef: undefined, arr: [undefined, null] },
      { é: 1, e: 2, E: 3, '😀': 4, '\uffff': 5, '': 6 },
      { sorted: { a: 1, b: [1, 2, { c: 3 }] } },
    ]
    const position = { id: 'i', chainId: 't', seq: 3, recordedAt: 2 }
    for (const value of values) {
      const event = {
        action: 'doc.edit',
        category: 'data_modification',
        severity: 'info',
        outcome: 'success',
        actor: { id: 'u', type: 'user' },
        before: value,
        after: { wrapped: value },
        metadata: value,
        sanitized: ['reason'],
        occurredAt: 1,
      }
      const actor = sealActor(event.actor as never)
      const encoded = encodeBody(event as never, position, actor)
      // The oracle: the body object assembled plainly, through the reference encoder.
      const expected = canonicalJson({
        v: 1,
        id: 'i',
        chain: 't',
        seq: 3,
        recordedAt: 2,
        occurredAt: 1,
        action: 'doc.edit',
        category: 'data_modification',
        severity: 'info',
        outcome: 'success',
        actor: { type: 'user', id: 'u' },
        before: value,
        after: { wrapped: value },
        metadata: value,
        sanitized: ['reason'],
      })
      expect(encoded).toBe(expected)
    }
  })

  it('writes C2SP checkpoints as Ed25519 signed notes and rejects malformed ones', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const root = 'ab'.repeat(32)
    const checkpoint = createCheckpoint({
      origin: 'example.com/audit',
      size: 42,
      rootHash: root,
      signingKey: privateKey,
    })
    const [body, signature] = checkpoint.text.split('\n\n')
    expect(body).toBe(`example.com/audit\n42\n${Buffer.from(root, 'hex').toString('base64')}`)
    expect(signature).toMatch(/^\u2014 example\.com\/audit [A-Za-z0-9+/]+=*\n$/)
    expect(Buffer.from((signature as string).split(' ')[2] as string, 'base64')).toHaveLength(68)
    const parsed = parseCheckpoint(checkpoint.text)
    expect(parsed).toMatchObject({ origin: 'example.com/audit', size: 42, rootHash: root })
    expect(checkpointSignedBy(parsed, publicKey)).toBe(true)
    const tampered = parseCheckpoint(checkpoint.text.replace('\n42\n', '\n43\n'))
    expect(checkpointSignedBy(tampered, publicKey)).toBe(false)
    expect(() => parseCheckpoint('origin\nnot-a-number\nAAAA\n')).toThrow(/size/)
  })
})

describe('audit log features (in memory)', () => {
  it('removes redact paths before hashing', async () => {
    const store = createMemoryAuditStore()
    const audit = await createAuditLog({
      store,
      auditReads: false,
      redact: ['metadata.password', 'after.*.ssn'],
    })
    await audit.logDataModification({
      actor: { id: 'u_1' },
      metadata: { password: 'hunter2', note: 'kept' },
      after: { people: { ssn: '078-05-1120', name: 'x' } },
    })
    const body = store.chains.get('')?.[0]?.body as string
    expect(body).not.toContain('hunter2')
    expect(body).not.toContain('078-05-1120')
    const { events } = await audit.query()
    expect(events[0]?.metadata).toEqual({ note: 'kept' })
    expect(events[0]?.after).toEqual({ people: { name: 'x' } })
    expect((await audit.verify()).ok).toBe(true)
  })

  describe('correlation id from OpenTelemetry', () => {
    const manager = new AlsContextManager()
    beforeAll(() => {
      context.setGlobalContextManager(manager)
    })
    afterAll(() => {
      context.disable()
    })
    it('takes the active span trace id when none is given', async () => {
      const audit = await createMemoryAuditLog({ auditReads: false })
      const traceId = '0af7651916cd43dd8448eb211c80319c'
      const span = trace.wrapSpanContext({ traceId, spanId: 'b7ad6b7169203331', traceFlags: 1 })
      await context.with(trace.setSpan(context.active(), span), () => audit.logLogin({ actor: { id: 'u' } }))
      await context.with(trace.setSpan(context.active(), span), () =>
        audit.logLogin({ actor: { id: 'u' }, correlationId: 'mine' }),
      )
      await audit.logLogin({ actor: { id: 'u' } })
      const { events } = await audit.query()
      expect(events.map((e) => e.correlationId)).toEqual([undefined, 'mine', traceId])
    })
  })

  it('audits reads, summaries and exports', async () => {
    const audit = await createMemoryAuditLog()
    await audit.logLogin({ actor: { id: 'u_1' }, tenantId: 'acme' })
    await audit.query({ tenantId: 'acme', viewer: { id: 'auditor', role: 'compliance' } })
    await text(audit.export({ tenantId: 'acme' }, { format: 'ndjson' }))
    const { events } = await createAuditReads(audit)
    expect(events.map((e) => [e.action, e.actor.id])).toEqual([
      ['audit.export', 'opskit-audit'],
      ['audit.query', 'auditor'],
    ])
    expect(events[0]?.metadata).toMatchObject({ format: 'ndjson', exported: 2, completed: true })
  })

  it('audits an export the consumer abandons', async () => {
    const audit = await createMemoryAuditLog()
    for (let i = 0; i < 3; i++) await audit.logLogin({ actor: { id: `u_${i}` } })
    const stream = audit.export({}, { format: 'csv' })
    for await (const _chunk of stream) break
    await new Promise((resolve) => setTimeout(resolve, 20))
    await audit.flush()
    const { events } = await audit.query({ action: 'audit.export' })
    expect(events[0]?.metadata).toMatchObject({ format: 'csv', completed: false })
  })

  it('exports CSV safe against formula injection, NDJSON, JSON and OCSF', async () => {
    const audit = await createMemoryAuditLog({ auditReads: false })
    await audit.logLogin({
      actor: { id: '=HYPERLINK("http://evil")', name: 'Ann, "A"' },
      outcome: 'failure',
      reason: '+1',
    })
    await audit.logPermissionChange({
      actor: { id: 'admin', ip: '198.51.100.4' },
      target: { type: 'user', id: 'u_2' },
    })
    const csv = await text(audit.export({}, { format: 'csv' }))
    const lines = csv.trim().split('\r\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]?.startsWith('id,chainId,seq,')).toBe(true)
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`)
    expect(csv).toContain(`"Ann, ""A"""`)
    expect(csv).toContain(`,"'+1",`)
    expect(csvCell('-2+3')).toBe(`"'-2+3"`)
    expect(csvCell(-2)).toBe('-2')
    const ndjson = (await text(audit.export({}, { format: 'ndjson' }))).trim().split('\n')
    expect(ndjson.map((line) => (JSON.parse(line) as AuditEvent).seq)).toEqual([2, 1])
    const json = JSON.parse(
      await text(audit.export({ actorId: 'admin' }, { format: 'json' })),
    ) as AuditEvent[]
    expect(json.map((e) => e.action)).toEqual(['permission.change'])
    const ocsf = JSON.parse(await text(audit.export({}, { format: 'ocsf' }))) as Array<
      Record<string, unknown>
    >
    expect(ocsf[1]).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      type_uid: 300201,
      status_id: 2,
      category_uid: 3,
    })
    expect(ocsf[0]).toMatchObject({ class_uid: 3005, type_uid: 300501, src_endpoint: { ip: '198.51.100.4' } })
    expect(JSON.parse(await text(audit.export({ actorId: 'nobody' }, { format: 'json' })))).toEqual([])
  })

  it('fires onEvent hooks on thresholds: 5 failed logins of one actor within 10 minutes', async () => {
    const audit = await createMemoryAuditLog({ auditReads: false })
    const alerts: Array<[string, number]> = []
    const every: string[] = []
    const stop = audit.onEvent(
      { action: 'user.login', outcome: 'failure', threshold: { count: 5, windowMs: 10 * 60_000 } },
      (event, ctx: EventHookContext) => {
        alerts.push([event.actor.id, ctx.count])
      },
    )
    audit.onEvent({ category: 'admin' }, (event) => {
      every.push(event.action)
    })
    const at = (minute: number) => Date.UTC(2026, 0, 1, 12, minute)
    for (const minute of [0, 1, 2, 3])
      await audit.logLogin({ actor: { id: 'u_1' }, outcome: 'failure', occurredAt: at(minute) })
    for (const minute of [0, 1, 2, 3])
      await audit.logLogin({ actor: { id: 'u_2' }, outcome: 'failure', occurredAt: at(minute) })
    await audit.logLogin({ actor: { id: 'u_1' }, outcome: 'success', occurredAt: at(4) })
    await audit.logLogin({ actor: { id: 'u_2' }, outcome: 'failure', occurredAt: at(30) })
    expect(alerts).toEqual([])
    await audit.logLogin({ actor: { id: 'u_1' }, outcome: 'failure', occurredAt: at(5) })
    expect(alerts).toEqual([['u_1', 5]])
    await audit.logAdminAction({ actor: { id: 'root' } })
    expect(every).toEqual(['admin.action'])
    stop()
    for (const minute of [6, 7, 8, 9, 10])
      await audit.logLogin({ actor: { id: 'u_1' }, outcome: 'failure', occurredAt: at(minute) })
    expect(alerts).toHaveLength(1)
  })

  it('rejects logs after close and bad queries with typed errors', async () => {
    const audit = await createMemoryAuditLog({ auditReads: false })
    await expect(audit.query({ limit: 0 })).rejects.toMatchObject({ code: 'AUDIT_INVALID_QUERY' })
    await expect(audit.query({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'AUDIT_INVALID_QUERY' })
    await expect(audit.query({ from: 'yesterday' })).rejects.toMatchObject({ code: 'AUDIT_INVALID_QUERY' })
    await expect(audit.verify({ checkpoint: 'nonsense' })).rejects.toMatchObject({
      code: 'AUDIT_INVALID_CHECKPOINT',
    })
    await audit.close()
    await expect(audit.logLogin({ actor: { id: 'u' } })).rejects.toMatchObject({ code: 'AUDIT_CLOSED' })
  })

  it('sets helper actions, categories and severities', async () => {
    const audit = await createMemoryAuditLog({ auditReads: false })
    const actor = { id: 'u' }
    await audit.logLogin({ actor, outcome: 'failure' })
    await audit.logLogout({ actor })
    await audit.logRegistration({ actor })
    await audit.logTokenRefresh({ actor })
    await audit.logPasswordChange({ actor })
    await audit.logPermissionChange({ actor })
    await audit.logDataAccess({ actor })
    await audit.logDataModification({ actor })
    await audit.logDataDeletion({ actor })
    await audit.logExport({ actor })
    await audit.logConfigChange({ actor })
    await audit.logSecurityEvent({ actor, severity: 'critical', action: 'security.brute_force' })
    await audit.logAdminAction({ actor })
    const { events } = await audit.query({ limit: 20 })
    expect(events.reverse().map((e) => `${e.action}/${e.category}/${e.severity}`)).toEqual([
      'user.login/authentication/warning',
      'user.logout/session/info',
      'user.register/authentication/info',
      'token.refresh/session/info',
      'user.password_change/authentication/warning',
      'permission.change/permission_change/warning',
      'data.read/data_access/info',
      'data.update/data_modification/info',
      'data.delete/data_deletion/warning',
      'data.export/export/info',
      'config.change/config_change/warning',
      'security.brute_force/security/critical',
      'admin.action/admin/warning',
    ])
  })
})

async function createAuditReads(audit: Awaited<ReturnType<typeof createMemoryAuditLog>>) {
  const reads = await audit.query({ tenantId: 'acme', actionPrefix: 'audit.' })
  return { events: reads.events }
}

describe('group commit failures', () => {
  it('retries transient lock errors and rejects the whole batch on permanent ones', async () => {
    const inner = createMemoryAuditStore()
    const failures: Array<Error & { code?: string }> = []
    const store = {
      ...inner,
      append: (plan: Parameters<typeof inner.append>[0]) => {
        const next = failures.shift()
        return next ? Promise.reject(next) : inner.append(plan)
      },
    }
    const audit = await createAuditLog({ store, auditReads: false })
    failures.push(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }))
    expect((await audit.logLogin({ actor: { id: 'u' } })).seq).toBe(1)
    failures.push(Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' }))
    const results = await Promise.allSettled([
      audit.logLogin({ actor: { id: 'u' } }),
      audit.logLogout({ actor: { id: 'u' } }),
    ])
    expect(
      results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : r.status)),
    ).toEqual(['AUDIT_STORE_FAILED', 'AUDIT_STORE_FAILED'])
    expect((await audit.logLogin({ actor: { id: 'u' } })).seq).toBe(2)
    expect((await audit.verify()).ok).toBe(true)
  })
})
