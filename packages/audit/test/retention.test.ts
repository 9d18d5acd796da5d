import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createMemoryAuditStore } from '../src/testing/index.js'
import { createAuditLog } from './helpers.js'

function manualClock(start: number) {
  let now = start
  return {
    clock: {
      now: () => now,
      sleep: async () => {},
      setTimeout: (fn: () => void) => setTimeout(fn, 0),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    },
    set: (value: number) => {
      now = value
    },
  }
}

describe('retention anchors and partial verification', () => {
  it('signs the anchor: verify with another key reports it; a broken chain refuses retention', async () => {
    const { privateKey } = generateKeyPairSync('ed25519')
    const { publicKey: otherKey } = generateKeyPairSync('ed25519')
    const time = manualClock(Date.UTC(2025, 0, 1))
    const store = createMemoryAuditStore()
    const audit = await createAuditLog({
      store,
      clock: time.clock,
      signingKey: privateKey,
      auditReads: false,
    })
    for (let i = 0; i < 4; i++) await audit.logLogin({ actor: { id: 'u' } })
    time.set(Date.UTC(2026, 0, 1))
    for (let i = 0; i < 4; i++) await audit.logLogin({ actor: { id: 'u' } })
    expect(
      await audit.applyRetention({ events: { olderThan: new Date(Date.UTC(2025, 6, 1)) } }),
    ).toMatchObject({
      removed: { events: 4 },
      anchorSeq: 4,
    })
    expect((await audit.verify()).ok).toBe(true)
    const forged = await audit.verify({ publicKey: otherKey })
    expect(forged.failures.map((f) => [f.seq, f.kind])).toContainEqual([4, 'bad-signature'])

    // Tamper with an old-but-kept event, then ask for retention past it: refused, nothing deleted.
    const rows = store.chains.get('') ?? []
    const victim = rows.find((row) => row.seq === 6)
    if (!victim) throw new Error('seq 6 missing')
    victim.body = victim.body.replace('user.login', 'user.logout')
    time.set(Date.UTC(2027, 0, 1))
    await expect(
      audit.applyRetention({ events: { olderThan: new Date(Date.UTC(2026, 6, 1)) } }),
    ).rejects.toMatchObject({
      code: 'AUDIT_CHAIN_BROKEN',
    })
    expect(store.chains.get('')?.[0]?.seq).toBe(5)
  })

  it('verifies a seq range with from/to', async () => {
    const store = createMemoryAuditStore()
    const audit = await createAuditLog({ store, auditReads: false })
    for (let i = 0; i < 10; i++) await audit.logDataAccess({ actor: { id: 'u' } })
    const row = (store.chains.get('') ?? []).find((r) => r.seq === 8)
    if (!row) throw new Error('seq 8 missing')
    row.body = row.body.replace('data.read', 'data.reaD')
    expect(await audit.verify({ from: 3, to: 6 })).toMatchObject({ ok: true, checked: 4, headSeq: 6 })
    const later = await audit.verify({ from: 7 })
    expect(later.failures.map((f) => [f.seq, f.kind])).toEqual([[8, 'modified']])
    expect(later.checked).toBe(4)
  })
})

describe('one retention and tenancy shape (issue 21)', () => {
  it('takes a duration before now, reports removed per kind, refuses a malformed policy before deleting', async () => {
    const time = manualClock(Date.UTC(2025, 0, 1))
    const audit = await createAuditLog({
      store: createMemoryAuditStore(),
      clock: time.clock,
      auditReads: false,
    })
    for (let i = 0; i < 3; i++) await audit.logLogin({ actor: { id: 'u' } })
    time.set(Date.UTC(2026, 0, 1))
    await audit.logLogin({ actor: { id: 'u' } })
    for (const bad of [
      { events: { keepLast: 1 } },
      { logs: { olderThan: '1d' } },
      { events: { olderThan: 'a year' } },
    ])
      await expect(audit.applyRetention(bad as never)).rejects.toMatchObject({ code: 'AUDIT_INVALID_QUERY' })
    const report = await audit.applyRetention({ events: { olderThan: '180d' } })
    expect(report).toMatchObject({ removed: { events: 3 }, anchorSeq: 3 })
    expect(report.startedAt).toEqual(new Date(Date.UTC(2026, 0, 1)))
    expect((await audit.applyRetention({})).removed).toEqual({ events: 0 })
    await audit.close()
  })

  it("tenantMode 'off' refuses an event or a read that names a tenant", async () => {
    const audit = await createAuditLog({
      store: createMemoryAuditStore(),
      tenantMode: 'off',
      auditReads: false,
    })
    await expect(audit.logLogin({ actor: { id: 'u' }, tenantId: 'acme' })).rejects.toMatchObject({
      code: 'AUDIT_INVALID_EVENT',
    })
    await expect(audit.query({ tenantId: 'acme' })).rejects.toMatchObject({ code: 'AUDIT_INVALID_QUERY' })
    await audit.logLogin({ actor: { id: 'u' } })
    expect((await audit.query({})).events).toHaveLength(1)
    await audit.close()
  })
})
