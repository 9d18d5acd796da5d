import { text } from 'node:stream/consumers'
import { openSqlite } from '@opskit/core/sqlite'
import { parse } from 'csv-parse/sync'
import { afterAll, describe, expect, it } from 'vitest'
import {
  type AuditEventLike,
  type AuditLike,
  type AuditQueryFilter,
  createAuditComplianceReport,
} from '../src/examples/index.js'
import { createMemoryStorage, createReports } from '../src/index.js'
import { createMemoryReportsStore } from '../src/testing/index.js'

const memoryDb = openSqlite(':memory:')
afterAll(() => memoryDb.destroy())

function fakeAudit(events: AuditEventLike[]): AuditLike & { calls: AuditQueryFilter[] } {
  const calls: AuditQueryFilter[] = []
  return {
    calls,
    async query(filter) {
      calls.push(filter)
      const inRange = events.filter((e) => {
        const at = new Date(e.occurredAt ?? 0).getTime()
        return at >= filter.from.getTime() && at < filter.to.getTime()
      })
      const start = filter.cursor ? Number(filter.cursor) : 0
      const page = inRange.slice(start, start + filter.limit)
      const next = start + filter.limit < inRange.length ? String(start + filter.limit) : null
      return { events: page, nextCursor: next }
    },
  }
}

describe('audit compliance report', () => {
  const events: AuditEventLike[] = []
  for (let i = 0; i < 700; i++) {
    const kind = i % 7
    events.push({
      action:
        kind === 0 ? 'user.login' : kind === 1 ? 'orders.export' : kind === 2 ? 'role.grant' : 'record.read',
      category:
        kind === 0
          ? 'authentication'
          : kind === 1
            ? 'export'
            : kind === 2
              ? 'permission_change'
              : 'data_access',
      outcome: kind === 0 && i % 2 === 0 ? { status: 'failure', reason: 'bad password' } : 'success',
      actor: { id: `user-${i % 13}` },
      occurredAt: new Date(Date.UTC(2026, 3, 1 + (i % 20), 10)).toISOString(),
    })
  }
  // Outside the period: must not count.
  events.push({
    action: 'user.login',
    category: 'authentication',
    outcome: 'failure',
    occurredAt: '2026-05-15T00:00:00Z',
  })

  it('pages through the audit log and summarises categories and highlights', async () => {
    const audit = fakeAudit(events)
    const reports = await createReports({
      db: memoryDb,
      store: createMemoryReportsStore(),
      storage: createMemoryStorage(),
      timeZone: 'UTC',
    })
    reports.register(createAuditComplianceReport(audit))
    const csv = await text(
      reports.stream('audit-compliance', { from: '2026-04-01', to: '2026-04-30' }, { format: 'csv' }),
    )
    expect(audit.calls.length).toBe(2)
    const rows = parse(csv, { columns: true }) as Record<string, string>[]
    const find = (section: string, name: string, outcome = '') =>
      rows.find((r) => r.Section === section && r['Category / check'] === name && r.Outcome === outcome)
    const logins = events.filter((e, i) => i < 700 && e.category === 'authentication')
    const failed = logins.filter((e) => typeof e.outcome === 'object').length
    expect(find('category', 'authentication', 'failure')?.Events).toBe(String(failed))
    expect(find('category', 'authentication', 'success')?.Events).toBe(String(logins.length - failed))
    expect(find('highlight', 'failed logins')?.Events).toBe(String(failed))
    expect(find('highlight', 'privileged actions')?.Events).toBe('100')
    expect(find('highlight', 'personal data exports')?.Events).toBe('100')
    expect(find('category', 'data_access', 'success')?.['Distinct actors']).toBe('13')
    const total = rows.filter((r) => r.Section === 'category').reduce((sum, r) => sum + Number(r.Events), 0)
    expect(total).toBe(700)
    await expect(
      reports.run('audit-compliance', { from: '2026-04-30', to: '2026-04-01' }, { format: 'csv' }),
    ).rejects.toMatchObject({ code: 'REPORTS_INVALID_PARAMS', message: expect.stringContaining('to') })
    await reports.close()
  })
})
