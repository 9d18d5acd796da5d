import { openSqlite } from '@opskit/core/sqlite'
import { createFakeClock, type FakeClock } from '@opskit/core/testing'
import { forEachDialect } from '@opskit/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createMemoryStorage,
  createReports,
  dateInZone,
  defineReport,
  nextSlot,
  type ReportDelivery,
  type Reports,
} from '../src/index.js'
import { createMemoryReportsStore } from '../src/testing/index.js'

// The memory store keeps history; the database only serves queries (none here).
const memoryDb = openSqlite(':memory:')
afterAll(() => memoryDb.destroy())

const tiny = defineReport({
  name: 'tiny',
  title: 'Tiny',
  params: z.object({ n: z.number().int().default(3) }),
  columns: [{ key: 'i', header: 'I', type: 'integer' }],
  query: (_db, params) =>
    (async function* () {
      for (let i = 0; i < params.n; i++) yield { i }
    })(),
})

function slots(cron: string, zone: string, fromIso: string, count: number): string[] {
  const out: string[] = []
  let at = new Date(fromIso)
  for (let i = 0; i < count; i++) {
    at = nextSlot(cron, zone, at)
    out.push(at.toISOString())
  }
  return out
}

describe('nextSlot across DST', () => {
  it('Europe/Berlin 02:30 daily: once on spring-forward day, once on fall-back day', () => {
    expect(slots('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist; runs at 03:30 CEST, once
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ])
    expect(slots('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 3)).toEqual([
      '2026-10-25T01:30:00.000Z', // 02:30 happens twice; the first (CEST) only
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ])
  })

  it('America/New_York: 02:30 on spring-forward day and 01:30 on fall-back day run once', () => {
    const spring = slots('30 2 * * *', 'America/New_York', '2026-03-06T12:00:00Z', 4)
    expect(spring.map((iso) => dateInZone(Date.parse(iso), 'America/New_York'))).toEqual([
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-10',
    ])
    expect(slots('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
      '2026-11-03T06:30:00.000Z',
    ])
  })

  it('rejects a bad cron expression naming the field', () => {
    expect(() => nextSlot('99 * * *', 'UTC', new Date())).toThrow(/cron/)
  })
})

async function pollHourly(clock: FakeClock, reports: Reports, hours: number) {
  for (let h = 0; h < hours * 4; h++) {
    await clock.advance(15 * 60_000)
    await reports.runDueSchedules()
  }
}

describe.each([
  ['Europe/Berlin', '2026-03-27T12:00:00Z', '2026-10-23T12:00:00Z'],
  ['America/New_York', '2026-03-06T12:00:00Z', '2026-10-30T12:00:00Z'],
])('scheduler on a fake clock in %s', (zone, springStart, fallStart) => {
  for (const [label, start] of [
    ['spring-forward', springStart],
    ['fall-back', fallStart],
  ] as const) {
    it(`runs a 02:30 and a 01:30 daily schedule once per local day around ${label}`, async () => {
      const clock = createFakeClock(new Date(start))
      const reports = await createReports({
        db: memoryDb,
        store: createMemoryReportsStore(),
        storage: createMemoryStorage(),
        clock,
        timeZone: zone,
      })
      reports.register(tiny)
      const a = await reports.schedule({ report: 'tiny', params: {}, cron: '30 2 * * *', format: 'csv' })
      const b = await reports.schedule({ report: 'tiny', params: {}, cron: '30 1 * * *', format: 'csv' })
      expect(a.timeZone).toBe(zone)
      await pollHourly(clock, reports, 96)
      for (const schedule of [a, b]) {
        const runs = await reports.history({ scheduleId: schedule.id })
        const days = runs.map((run) => dateInZone(run.startedAt.getTime(), zone)).sort()
        expect(new Set(days).size).toBe(days.length)
        expect(days).toHaveLength(4)
        expect(runs.every((run) => run.status === 'succeeded')).toBe(true)
      }
      await reports.close()
    })
  }
})

describe('scheduler policies', () => {
  it('runs a late schedule once (misfire) and delivers through the notifier', async () => {
    const clock = createFakeClock(new Date('2026-06-01T00:00:00Z'))
    const sent: ReportDelivery[] = []
    const reports = await createReports({
      db: memoryDb,
      store: createMemoryReportsStore(),
      storage: createMemoryStorage(),
      clock,
      downloadBaseUrl: 'https://ops.example/d',
    })
    reports.register(tiny)
    const schedule = await reports.schedule({
      report: 'tiny',
      params: { n: 2 },
      cron: '0 8 * * *',
      timeZone: 'Europe/Berlin',
      format: 'ndjson',
      deliver: { notifier: { send: (d) => void sent.push(d) }, to: ['ops@example.com'] },
    })
    expect(schedule.nextRunAt.toISOString()).toBe('2026-06-01T06:00:00.000Z')
    await clock.advance(3 * 24 * 3600_000 + 3600_000) // down for three days
    const result = await reports.runDueSchedules()
    expect(result.started).toHaveLength(1)
    expect((await reports.runDueSchedules()).started).toHaveLength(0)
    const [stored] = await reports.schedules()
    expect(stored?.nextRunAt.toISOString()).toBe('2026-06-04T06:00:00.000Z')
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({ to: ['ops@example.com'], report: 'tiny', rows: 2, format: 'ndjson' })
    expect(sent[0]?.url).toMatch(/^https:\/\/ops\.example\/d\/[A-Za-z0-9_-]{43}$/)
    const download = await reports.redeem(sent[0]?.url.split('/').pop() ?? '')
    expect(download.contentType).toBe('application/x-ndjson')
    download.stream.resume()
    await reports.close()
  })

  it('records a failed run when the instance that claims a slot cannot run the report', async () => {
    const clock = createFakeClock(new Date('2026-06-01T07:00:00Z'))
    const store = createMemoryReportsStore()
    const owner = await createReports({ db: memoryDb, store, storage: createMemoryStorage(), clock })
    owner.register(tiny)
    const schedule = await owner.schedule({ report: 'tiny', params: {}, cron: '0 8 * * *', format: 'csv' })
    const stranger = await createReports({ db: memoryDb, store, storage: createMemoryStorage(), clock })
    await clock.advance(3600_000)
    expect((await stranger.runDueSchedules()).started).toHaveLength(1)
    const [run] = await owner.history({ scheduleId: schedule.id })
    expect(run).toMatchObject({ status: 'failed', error: expect.stringContaining('no report named "tiny"') })
    await owner.close()
    await stranger.close()
  })

  it('startScheduler polls on the clock until close', async () => {
    const clock = createFakeClock(new Date('2026-06-01T07:59:00Z'))
    const reports = await createReports({
      db: memoryDb,
      store: createMemoryReportsStore(),
      storage: createMemoryStorage(),
      clock,
    })
    reports.register(tiny)
    await reports.schedule({ report: 'tiny', params: {}, cron: '0 8 * * *', format: 'csv' })
    reports.startScheduler({ intervalMs: 30_000 })
    await clock.advance(2 * 60_000)
    expect(await reports.history({ report: 'tiny' })).toHaveLength(1)
    await reports.close()
    expect(clock.pendingTimers()).toBe(0)
  })

  it('startScheduler returns a loop whose stop() ends the polling while the service stays open', async () => {
    const clock = createFakeClock(new Date('2026-06-01T07:59:00Z'))
    const reports = await createReports({
      db: memoryDb,
      store: createMemoryReportsStore(),
      storage: createMemoryStorage(),
      clock,
    })
    await reports.schedule({ report: tiny, params: {}, cron: '0 * * * *', format: 'csv' })
    const loop = reports.startScheduler({ intervalMs: 30_000 })
    await clock.advance(2 * 60_000)
    expect(await reports.history({ report: 'tiny' })).toHaveLength(1)
    await loop.stop()
    await loop.stop()
    expect(clock.pendingTimers()).toBe(0)
    await clock.advance(2 * 3600_000)
    expect(await reports.history({ report: 'tiny' })).toHaveLength(1)
    expect((await reports.runDueSchedules()).started).toHaveLength(1)
    await reports.close()
  })

  it('delivers links that live deliver.linkExpiresInMs, and honours schedules stored with linkExpiresIn in seconds', async () => {
    const clock = createFakeClock(new Date('2026-06-01T07:00:00Z'))
    const store = createMemoryReportsStore()
    const sent: ReportDelivery[] = []
    const reports = await createReports({
      db: memoryDb,
      store,
      storage: createMemoryStorage(),
      clock,
      notifier: { send: (d) => void sent.push(d) },
    })
    await reports.schedule({
      report: tiny,
      params: {},
      cron: '0 8 * * *',
      format: 'csv',
      deliver: { to: 'a@example.com', linkExpiresInMs: 90 * 60_000 },
    })
    // A schedule written by an earlier version, with the link lifetime in seconds.
    await store.insertSchedule({
      id: 'stored-before',
      tenantId: '',
      report: 'tiny',
      params: { n: 1 },
      cron: '0 8 * * *',
      timeZone: 'UTC',
      format: 'csv',
      deliverTo: { to: 'b@example.com', linkExpiresIn: 120 },
      nextRunAt: new Date('2026-06-01T08:00:00Z'),
      enabled: true,
      createdAt: new Date('2026-05-01T00:00:00Z'),
    })
    await clock.advance(3600_000)
    expect((await reports.runDueSchedules()).started).toHaveLength(2)
    const lifetimes = Object.fromEntries(sent.map((d) => [String(d.to), d.expiresAt.getTime() - clock.now()]))
    expect(lifetimes).toEqual({ 'a@example.com': 90 * 60_000, 'b@example.com': 120_000 })
    await reports.close()
  })

  it('rejects bad schedules', async () => {
    const reports = await createReports({
      db: memoryDb,
      store: createMemoryReportsStore(),
      storage: createMemoryStorage(),
    })
    reports.register(tiny)
    await expect(
      reports.schedule({
        report: 'tiny',
        params: {},
        cron: '0 8 * * *',
        timeZone: 'Nowhere/City',
        format: 'csv',
      }),
    ).rejects.toMatchObject({ code: 'REPORTS_INVALID_PARAMS', message: expect.stringContaining('timeZone') })
    await expect(
      reports.schedule({ report: 'tiny', params: { n: 'x' }, cron: '0 8 * * *', format: 'csv' }),
    ).rejects.toMatchObject({ code: 'REPORTS_INVALID_PARAMS', message: expect.stringContaining('n') })
    await expect(
      reports.schedule({ report: 'tiny', params: {}, cron: 'not a cron', format: 'csv' }),
    ).rejects.toMatchObject({ code: 'REPORTS_INVALID_PARAMS', message: expect.stringContaining('cron') })
    await reports.close()
  })
})

forEachDialect('two scheduler instances', ({ db, openAnother, dialect }) => {
  const clock = createFakeClock(new Date('2026-06-01T00:00:00Z'))
  let one: Reports
  let two: Reports
  beforeAll(async () => {
    const storage = createMemoryStorage()
    one = await createReports({ db: db(), storage, clock, tablePrefix: 'sched_' })
    two = await createReports({ db: openAnother(), storage, clock, tablePrefix: 'sched_' })
    one.register(tiny)
    two.register(tiny)
  })
  afterAll(async () => {
    await one?.close()
    await two?.close()
  })

  it(`run each slot once on ${dialect}`, async () => {
    await one.schedule({ report: 'tiny', params: {}, cron: '0 * * * *', format: 'csv' })
    await one.schedule({ report: 'tiny', params: {}, cron: '30 * * * *', format: 'csv' })
    for (let step = 0; step < 24; step++) {
      await clock.advance(15 * 60_000)
      const [a, b] = await Promise.all([one.runDueSchedules(), two.runDueSchedules()])
      expect(a.started.length + b.started.length).toBeLessThanOrEqual(2)
    }
    const runs = await one.history({ report: 'tiny', limit: 1000 })
    expect(runs).toHaveLength(12)
    const perSlot = new Set(
      runs.map((run) => `${run.scheduleId}|${run.startedAt.toISOString().slice(0, 16)}`),
    )
    expect(perSlot.size).toBe(12)
  })
})
