// Tenant isolation (issue 21 §2): every cross-tenant path tried as an attacker would, through
// the public API, on SQLite and PostgreSQL. Written before the fix and seen failing on it.
import { buffer } from 'node:stream/consumers'
import { isOpskitError } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect } from '@opskit/test-support'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import { createMemoryStorage, createReports, defineReport, type Reports } from '../src/index.js'

const seen: string[] = []
const ledger = defineReport({
  name: 'ledger',
  title: 'Ledger',
  params: z.object({}),
  columns: [{ key: 'tenant', header: 'Tenant', type: 'string' }],
  query: async function* (_db, _params, context) {
    // The tenant of the call reaches the query, so a host can filter its own rows by it.
    seen.push(context.tenantId)
    yield { tenant: context.tenantId || '(none)' }
  },
})

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    return isOpskitError(error) ? error.code : String(error)
  }
}

forEachDialect('tenant isolation', ({ db, dialect }) => {
  let reports: Reports
  const storage = createMemoryStorage()
  const clock = createFakeClock(new Date('2026-03-01T09:00:00Z'))

  beforeAll(async () => {
    reports = await createReports({
      db: db(),
      storage,
      clock,
      tenantMode: 'required',
      downloadBaseUrl: 'https://host.example/t/{tenantId}/dl',
    })
  })
  afterAll(async () => {
    await reports?.close()
  })

  it(`refuses calls without a tenant under 'required' on ${dialect}`, async () => {
    expect(await codeOf(reports.run(ledger, {}, { format: 'csv' }))).toBe('REPORTS_TENANT_REQUIRED')
    expect(await codeOf(reports.history())).toBe('REPORTS_TENANT_REQUIRED')
    expect(await codeOf(reports.schedules())).toBe('REPORTS_TENANT_REQUIRED')
    expect(await codeOf(reports.redeem('x'.repeat(43)))).toBe('REPORTS_TENANT_REQUIRED')
    expect(await codeOf(reports.run(ledger, {}, { format: 'csv', tenantId: 'bad tenant!' }))).toBe(
      'REPORTS_INVALID_PARAMS',
    )
  })

  it(`keeps runs, history and storage keys per tenant on ${dialect}`, async () => {
    const a = await reports.run(ledger, {}, { format: 'csv', tenantId: 'acme' })
    const b = await reports.run(ledger, {}, { format: 'csv', tenantId: 'globex:eu@1' })
    expect(seen.slice(-2)).toEqual(['acme', 'globex:eu@1'])
    const historyA = await reports.history({ tenantId: 'acme' })
    const historyB = await reports.history({ tenantId: 'globex:eu@1' })
    expect(historyA.map((r) => r.id)).toEqual([a.artifactId])
    expect(historyB.map((r) => r.id)).toEqual([b.artifactId])
    expect(historyA[0]?.tenantId).toBe('acme')
    // Storage keys carry the tenant: two tenants never share an object key.
    expect(historyA[0]?.storageKey).toContain('.acme.')
    expect(historyB[0]?.storageKey).not.toContain('.acme.')
    expect(historyB[0]?.storageKey).not.toBe(historyA[0]?.storageKey)
    // Another tenant cannot make a link to acme's artifact, by run id or by its storage key.
    expect(await codeOf(reports.createDownloadLink(a.artifactId, { tenantId: 'globex:eu@1' }))).toBe(
      'REPORTS_ARTIFACT_NOT_FOUND',
    )
    const byKey = { storageKey: historyA[0]?.storageKey ?? '', filename: 'a.csv', contentType: 'text/csv' }
    expect(await codeOf(reports.createDownloadLink(byKey, { tenantId: 'globex:eu@1' }))).toBe(
      'REPORTS_INVALID_PARAMS',
    )
  })

  it(`never redeems or revokes another tenant's link on ${dialect}`, async () => {
    const run = await reports.run(ledger, {}, { format: 'csv', tenantId: 'acme' })
    const link = await reports.createDownloadLink(run.artifactId, { tenantId: 'acme', maxDownloads: 1 })
    expect(link.url).toBe(`https://host.example/t/acme/dl/${link.token}`)
    // Redeemed under another tenant: exactly what an unknown token gets, and no download counted.
    const stolen = await reports.redeem(link.token, { tenantId: 'globex:eu@1' }).catch((e: unknown) => e)
    const unknown = await reports.redeem('A'.repeat(43), { tenantId: 'globex:eu@1' }).catch((e: unknown) => e)
    expect(isOpskitError(stolen, 'REPORTS_TOKEN_INVALID')).toBe(true)
    expect((stolen as Error).message).toBe((unknown as Error).message)
    expect((stolen as { details?: unknown }).details).toEqual((unknown as { details?: unknown }).details)
    // Revoked by another tenant: no effect.
    await reports.revokeDownloadLink(link.token, { tenantId: 'globex:eu@1' })
    // The owner still has its one download.
    const download = await reports.redeem(link.token, { tenantId: 'acme' })
    expect((await buffer(download.stream)).toString()).toContain('acme')
    // The refused attempt is recorded under the tenant that made it, without acme's artifact.
    const globexRedeems = await reports.store.listRedeems('globex:eu@1', {})
    expect(globexRedeems.every((r) => r.artifactId === null && r.outcome === 'unknown')).toBe(true)
    expect(await reports.store.listRedeems('globex:eu@1', { artifactId: run.artifactId })).toEqual([])
    expect(await reports.store.listRedeems('acme', { artifactId: run.artifactId })).toHaveLength(1)
  })

  it(`keeps schedules per tenant on ${dialect}`, async () => {
    const schedule = await reports.schedule({
      report: ledger,
      params: {},
      cron: '0 8 * * *',
      format: 'csv',
      tenantId: 'acme',
    })
    expect(schedule.tenantId).toBe('acme')
    expect((await reports.schedules({ tenantId: 'globex:eu@1' })).map((s) => s.id)).not.toContain(schedule.id)
    await reports.unschedule(schedule.id, { tenantId: 'globex:eu@1' })
    expect((await reports.schedules({ tenantId: 'acme' })).map((s) => s.id)).toContain(schedule.id)
    // A scheduled run belongs to the schedule's tenant.
    await clock.advance(24 * 3_600_000)
    const { started } = await reports.runDueSchedules()
    expect(started).toHaveLength(1)
    const [scheduled] = await reports.history({ tenantId: 'acme', scheduleId: schedule.id })
    expect(scheduled?.tenantId).toBe('acme')
    expect(await reports.history({ tenantId: 'globex:eu@1', scheduleId: schedule.id })).toEqual([])
    await reports.unschedule(schedule.id, { tenantId: 'acme' })
  })

  it(`runs exports under the caller's tenant on ${dialect}`, async () => {
    const job = await reports.export({ entity: ledger, format: 'csv', tenantId: 'globex:eu@1' })
    const result = await job.done
    expect((await reports.history({ tenantId: 'globex:eu@1' })).map((r) => r.id)).toContain(result.artifactId)
    expect((await reports.history({ tenantId: 'acme' })).map((r) => r.id)).not.toContain(result.artifactId)
  })
})

forEachDialect('tenant modes off and optional', ({ db, dialect }) => {
  it(`refuses a tenant under 'off', scopes untenanted calls under 'optional' on ${dialect}`, async () => {
    const off = await createReports({ db: db(), storage: createMemoryStorage(), tablePrefix: 'off_' })
    expect(await codeOf(off.history({ tenantId: 'acme' }))).toBe('REPORTS_INVALID_PARAMS')
    await off.close()
    const optional = await createReports({
      db: db(),
      storage: createMemoryStorage(),
      tablePrefix: 'opt_',
      tenantMode: 'optional',
    })
    const mine = await optional.run(ledger, {}, { format: 'csv', tenantId: 'acme' })
    const none = await optional.run(ledger, {}, { format: 'csv' })
    expect((await optional.history()).map((r) => r.id)).toEqual([none.artifactId])
    expect((await optional.history({ tenantId: 'acme' })).map((r) => r.id)).toEqual([mine.artifactId])
    const link = await optional.createDownloadLink(mine.artifactId, { tenantId: 'acme' })
    // The untenanted scope is a scope of its own: it cannot redeem acme's link either.
    expect(await codeOf(optional.redeem(link.token))).toBe('REPORTS_TOKEN_INVALID')
    await optional.close()
  })
})
