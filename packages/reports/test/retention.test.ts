// applyRetention through the public API (issue 21 §1), on SQLite and PostgreSQL: what each kind
// removes and keeps, objects removed with their rows, tenant scope, validation, audit.
import { Readable } from 'node:stream'
import { isOpskitError } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect } from '@opskit/test-support'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createMemoryStorage,
  createReports,
  defineReport,
  type ReportAuditEvent,
  type Reports,
} from '../src/index.js'

const DAY = 24 * 3_600_000
const tiny = defineReport({
  name: 'tiny',
  title: 'Tiny',
  params: z.object({}),
  columns: [{ key: 'n', header: 'N', type: 'integer' }],
  query: async function* () {
    yield { n: 1 }
  },
})
const other = defineReport({ ...tiny, name: 'other' })

forEachDialect('applyRetention', ({ db, dialect }) => {
  let reports: Reports
  const storage = createMemoryStorage()
  const clock = createFakeClock(new Date('2026-01-01T00:00:00Z'))
  const audited: ReportAuditEvent[] = []
  beforeAll(async () => {
    reports = await createReports({
      db: db(),
      storage,
      clock,
      tenantMode: 'optional',
      audit: { log: (event) => void audited.push(event) },
    })
  })
  afterAll(async () => {
    await reports?.close()
  })

  it(`refuses an invalid policy and removes nothing on ${dialect}`, async () => {
    await reports.run(tiny, {}, { format: 'csv', tenantId: 'acme' })
    await clock.advance(400 * DAY)
    for (const policy of [
      { runs: { olderThan: 'soon' } },
      { links: { keepLast: 3 } },
      { bogus: { olderThan: '1d' } },
      { runs: {} },
      { runs: { keepLast: -1 } },
    ]) {
      const error = await reports.applyRetention(policy as never).catch((e: unknown) => e)
      expect(isOpskitError(error, 'REPORTS_INVALID_OPTIONS')).toBe(true)
    }
    expect(await reports.history({ tenantId: 'acme' })).toHaveLength(1)
    expect(storage.keys()).toHaveLength(1)
    // Without a rule, nothing is removed.
    const report = await reports.applyRetention({})
    expect(report.removed).toEqual({ runs: 0, links: 0, redeems: 0, scheduleSlots: 0 })
    expect(storage.keys()).toHaveLength(1)
  })

  it(`removes finished runs with their objects, keeps the newest per report and one tenant's scope on ${dialect}`, async () => {
    for (const [report, tenantId] of [
      [tiny, 'acme'],
      [tiny, 'acme'],
      [other, 'acme'],
      [tiny, 'globex'],
    ] as const) {
      await reports.run(report, {}, { format: 'csv', tenantId })
      await clock.advance(DAY)
    }
    await clock.advance(40 * DAY)
    const fresh = await reports.run(tiny, {}, { format: 'csv', tenantId: 'acme' })
    // The host's own object is never touched by retention or its sweep.
    await storage.write('invoice.pdf', Readable.from([Buffer.from('%PDF')]), {
      contentType: 'application/pdf',
    })

    const scoped = await reports.applyRetention(
      { runs: { olderThan: '30d', keepLast: 1 } },
      { tenantId: 'acme' },
    )
    // acme: tiny has 4 runs (1 from the first case + 2 + fresh): fresh kept by age and keepLast; 'other' keeps its one.
    expect(scoped.removed.runs).toBe(3)
    const acme = await reports.history({ tenantId: 'acme' })
    expect(acme.map((r) => r.report).sort()).toEqual(['other', 'tiny'])
    expect(acme.find((r) => r.report === 'tiny')?.id).toBe(fresh.artifactId)
    expect(await reports.history({ tenantId: 'globex' })).toHaveLength(1)
    const keys = new Set(storage.keys())
    expect(keys.has('invoice.pdf')).toBe(true)
    for (const run of acme) expect(keys.has(run.storageKey ?? '')).toBe(true)
    expect([...keys].filter((key) => key.startsWith('reports.acme.'))).toHaveLength(2)

    const all = await reports.applyRetention({ runs: { olderThan: '30d' } })
    expect(all.removed.runs).toBe(2) // acme's 'other' and globex's run; fresh is too young
    expect(storage.keys().sort()).toEqual(
      ['invoice.pdf', acme.find((r) => r.report === 'tiny')?.storageKey].sort(),
    )
    const event = audited.find((e) => e.action === 'reports.retention' && e.tenantId === 'acme')
    expect(event).toMatchObject({ category: 'compliance', metadata: { removed: { runs: 3 } } })
  })

  it(`removes only links that can no longer be redeemed, and redeem records on ${dialect}`, async () => {
    const { artifactId } = await reports.run(tiny, {}, { format: 'csv' })
    const expiring = await reports.createDownloadLink(artifactId, { expiresInMs: DAY })
    const longLived = await reports.createDownloadLink(artifactId, { expiresInMs: 300 * DAY })
    const usedUp = await reports.createDownloadLink(artifactId, { expiresInMs: 300 * DAY, maxDownloads: 1 })
    ;(await reports.redeem(usedUp.token)).stream.resume()
    await clock.advance(60 * DAY)
    const report = await reports.applyRetention({
      links: { olderThan: '30d' },
      redeems: { olderThan: '30d' },
    })
    expect(report.removed).toMatchObject({ links: 2, redeems: 1 })
    await expect(reports.redeem(expiring.token)).rejects.toMatchObject({ details: { reason: 'unknown' } })
    ;(await reports.redeem(longLived.token)).stream.resume()
    expect((await reports.store.listRedeems('', {})).map((r) => r.outcome)).toEqual(['unknown', 'ok'])
  })

  it(`refuses a link whose run was removed, as a missing file, on ${dialect}`, async () => {
    const { artifactId } = await reports.run(tiny, {}, { format: 'csv', tenantId: 'initech' })
    const link = await reports.createDownloadLink(artifactId, { tenantId: 'initech', expiresInMs: 300 * DAY })
    await clock.advance(2 * DAY)
    expect(
      (await reports.applyRetention({ runs: { olderThan: '1d' } }, { tenantId: 'initech' })).removed.runs,
    ).toBe(1)
    await expect(reports.redeem(link.token, { tenantId: 'initech' })).rejects.toMatchObject({
      code: 'REPORTS_ARTIFACT_NOT_FOUND',
      details: { reason: 'missing' },
    })
  })
})
