import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { createAuditLog } from '../src/index.js'

forEachDialect('audit retention on the database', ({ db }) => {
  it('deletes more than one batch below the anchor, leaves the rest verifiable', async () => {
    let now = Date.UTC(2025, 0, 1)
    const clock = {
      now: () => now,
      sleep: async () => {},
      setTimeout: (fn: () => void) => setTimeout(fn, 0),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    }
    const audit = await createAuditLog({
      db: db(),
      tablePrefix: 'ret_',
      clock,
      auditReads: false,
      encryptPersonalData: false,
    })
    const old = 10_050
    await Promise.all(
      Array.from({ length: old }, (_, i) => audit.logDataAccess({ actor: { id: `u${i % 10}` } })),
    )
    now = Date.UTC(2026, 0, 1)
    await Promise.all(Array.from({ length: 20 }, () => audit.logDataAccess({ actor: { id: 'u' } })))
    const result = await audit.applyRetention({ events: { olderThan: new Date(Date.UTC(2025, 6, 1)) } })
    expect(result).toMatchObject({ removed: { events: old }, anchorSeq: old })
    const left = await sql<{ n: unknown }>`SELECT count(*) AS n FROM ret_audit_events`.execute(db())
    expect(Number(left.rows[0]?.n)).toBe(21)
    await expect(sql`DELETE FROM ret_audit_events WHERE seq = ${old + 1}`.execute(db())).rejects.toThrow(
      /append-only/,
    )
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 21, headSeq: old + 21 })
    await audit.close()
  }, 60_000)
})
