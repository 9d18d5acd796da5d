import { describe, expect, it } from 'vitest'
import { createMemoryAuditStore } from '../src/testing/index.js'
import { type AuditLog, createAuditLog, isOpskitError } from './helpers.js'

const base = { action: 'user.login', category: 'authentication' } as const

async function open(): Promise<AuditLog> {
  return createAuditLog({ store: createMemoryAuditStore(), auditReads: false })
}

async function stored(audit: AuditLog, seq: number) {
  const { events } = await audit.query({ limit: 1000 })
  const event = events.find((e) => e.seq === seq)
  if (!event) throw new Error(`no event ${seq}`)
  return event
}

describe('log() takes a copy of the event at call time', () => {
  it('a metadata object mutated after log() is stored as it was, within the size limit', async () => {
    const audit = await open()
    const metadata: Record<string, unknown> = { note: 'small' }
    const pending = audit.log({ ...base, actor: { id: 'u' }, metadata })
    metadata.note = 'x'.repeat(1_000_000)
    const logged = await pending
    const event = await stored(audit, logged.seq)
    expect(event.metadata).toEqual({ note: 'small' })
    expect(JSON.stringify(event).length).toBeLessThan(32_768)
    expect((await audit.verify()).ok).toBe(true)
    await audit.close()
  })

  it('a getter is read once: what was validated is what is hashed', async () => {
    const audit = await open()
    let reads = 0
    const metadata = {
      get blob() {
        reads++
        return reads === 1 ? 'ok' : 'x'.repeat(100_000)
      },
    }
    const logged = await audit.log({ ...base, actor: { id: 'u' }, metadata })
    expect((await stored(audit, logged.seq)).metadata).toEqual({ blob: 'ok' })
    expect(reads).toBe(1)
    await audit.close()
  })

  it("a BigInt added after log() fails nobody: neither that event nor another caller's in the same group", async () => {
    const audit = await open()
    const metadata: Record<string, unknown> = { n: 1 }
    const first = audit.log({ ...base, actor: { id: 'a' }, metadata })
    const second = audit.log({ ...base, actor: { id: 'b' } })
    metadata.big = 10n
    const [a, b] = await Promise.all([first, second])
    expect([a.seq, b.seq]).toEqual([1, 2])
    expect((await stored(audit, 1)).metadata).toEqual({ n: 1 })
    await audit.close()
  })

  it('a BigInt given at call time fails only that call', async () => {
    const audit = await open()
    const bad = audit.log({
      ...base,
      actor: { id: 'a' },
      metadata: { big: 10n } as unknown as Record<string, unknown>,
    })
    const good = audit.log({ ...base, actor: { id: 'b' } })
    const error = await bad.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isOpskitError(error, 'AUDIT_INVALID_EVENT')).toBe(true)
    expect((await good).seq).toBe(1)
    await audit.close()
  })
})

describe('free text from requests is kept, escaped and flagged, never a reason to drop the event', () => {
  it('a user agent with a TAB is logged with the control character escaped', async () => {
    const audit = await open()
    const logged = await audit.logLogin({ actor: { id: 'u_1', userAgent: 'Mozilla/5.0\tx' } })
    const event = await stored(audit, logged.seq)
    expect(event.actor.userAgent).toBe('Mozilla/5.0\u2409x')
    expect(event.sanitized).toEqual(['actor.userAgent'])
    await audit.close()
  })

  it('a reason with a newline is logged', async () => {
    const audit = await open()
    const logged = await audit.log({
      ...base,
      category: 'payment',
      action: 'order.refund',
      actor: { id: 'u_1' },
      reason: 'customer said:\nrefund now',
    })
    const event = await stored(audit, logged.seq)
    expect(event.reason).toBe('customer said:\u240arefund now')
    expect(event.sanitized).toEqual(['reason'])
    await audit.close()
  })

  it('an anonymous:<email> actor id of ~260 characters is logged, cut with a visible marker', async () => {
    const audit = await open()
    const id = `anonymous:${'a'.repeat(240)}@example.com`
    expect(id.length).toBeGreaterThan(256)
    const logged = await audit.logLogin({ actor: { id, type: 'anonymous' }, outcome: 'failure' })
    const event = await stored(audit, logged.seq)
    expect(event.actor.id).toHaveLength(256)
    expect(event.actor.id.startsWith('anonymous:aaaa')).toBe(true)
    expect(event.actor.id.endsWith('…[truncated]')).toBe(true)
    expect(event.sanitized).toEqual(['actor.id'])
    expect((await audit.activitySummary(event.actor.id)).total).toBe(1)
    await audit.close()
  })

  it('cuts long names and user agents, drops an empty user agent, cuts long metadata strings only when over the limit', async () => {
    const audit = await open()
    const logged = await audit.log({
      ...base,
      actor: { id: 'u', name: `N${'\u0000'.repeat(300)}`, userAgent: '' },
      target: { type: 'doc', name: '🎟️'.repeat(200) },
      metadata: { blob: 'x'.repeat(40_000), small: 'line\nbreak' },
    })
    const event = await stored(audit, logged.seq)
    expect(event.actor.name).toBe(`N${'\u2400'.repeat(243)}…[truncated]`)
    expect(event.actor.userAgent).toBeUndefined()
    expect(event.target?.name?.endsWith('…[truncated]')).toBe(true)
    expect(event.metadata).toEqual({ blob: `${'x'.repeat(1012)}…[truncated]`, small: 'line\nbreak' })
    expect(event.sanitized?.sort()).toEqual(['actor.name', 'actor.userAgent', 'metadata.blob', 'target.name'])
    expect((await audit.verify()).ok).toBe(true)
    // Short metadata strings keep their control characters: JSON escapes them in the body.
    const plain = await audit.log({ ...base, actor: { id: 'u' }, metadata: { text: 'a\tb' } })
    expect((await stored(audit, plain.seq)).sanitized).toBeUndefined()
    await audit.close()
  })

  it('structural fields stay strict', async () => {
    const audit = await open()
    for (const event of [
      { ...base, action: 'user.lo\tgin', actor: { id: 'u' } },
      { ...base, actor: { id: 'u' }, tenantId: 'acme\tcorp' },
      { ...base, actor: { id: 'u' }, target: { type: 'doc\n' } },
      { ...base, actor: { id: 'u' }, requestId: 'r\n1' },
      { ...base, actor: { id: '' } },
    ]) {
      const error = await audit.log(event).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isOpskitError(error, 'AUDIT_INVALID_EVENT'), JSON.stringify(event)).toBe(true)
    }
    await audit.close()
  })
})
