import { uuidv7 } from '@opskit/core'
import {
  runStoreConformance,
  type StoreConformanceCase,
  type StoreConformanceOptions,
} from '@opskit/core/testing'
import { expect } from 'vitest'
import type { ReportsStore } from '../../store/reports-store.js'
import { at, outcomeOf, runOf, scheduleOf, tokenOf } from './records.js'
import { retentionCases } from './retention-cases.js'
import { tenancyCases } from './tenancy-cases.js'

/** Options of {@link runReportsStoreConformance}: core's harness options for a {@link ReportsStore}. */
export type { StoreConformanceOptions as ReportsStoreConformanceOptions } from '@opskit/core/testing'

const behaviour: StoreConformanceCase<ReportsStore>[] = [
  {
    name: 'records a run and finishes it once',
    run: async ({ store }) => {
      const record = runOf('', { params: { from: '2026-01-01' } })
      await store.insertRun(record)
      const outcome = outcomeOf({ rows: 12, bytes: 345, sha256: 'ab'.repeat(32), durationMs: 9 })
      expect(await store.finishRun('', record.id, outcome)).toBe(true)
      expect(await store.finishRun('', record.id, { ...outcome, status: 'failed' })).toBe(false)
      const read = await store.getRun('', record.id)
      expect(read).toMatchObject({
        status: 'succeeded',
        rows: 12,
        bytes: 345,
        params: { from: '2026-01-01' },
      })
      expect(read?.finishedAt?.toISOString()).toBe('2026-03-01T10:00:01.000Z')
      expect(await store.getRun('', 'missing')).toBeUndefined()
    },
  },
  {
    name: 'fails stale running runs only',
    run: async ({ store }) => {
      const stale = runOf('', { report: 'stale', startedAt: at('2026-02-01T00:00:00Z') })
      const fresh = runOf('', { report: 'stale', startedAt: at('2026-02-03T00:00:00Z') })
      const done = runOf('', { report: 'stale', startedAt: at('2026-02-01T00:00:00Z') })
      for (const r of [stale, fresh, done]) await store.insertRun(r)
      await store.finishRun('', done.id, outcomeOf({ finishedAt: at('2026-02-01T00:00:01Z') }))
      expect(
        await store.failStaleRuns(at('2026-02-02T00:00:00Z'), 'interrupted', at('2026-02-04T00:00:00Z')),
      ).toBe(1)
      expect(await store.getRun('', stale.id)).toMatchObject({ status: 'failed', error: 'interrupted' })
      expect((await store.getRun('', fresh.id))?.status).toBe('running')
      expect((await store.getRun('', done.id))?.status).toBe('succeeded')
    },
  },
  {
    name: 'lists runs newest first with filters',
    run: async ({ store }) => {
      await store.insertRun(runOf('', { report: 'refunds', startedAt: at('2026-04-01T00:00:00Z') }))
      await store.insertRun(runOf('', { report: 'refunds', startedAt: at('2026-04-02T00:00:00Z') }))
      await store.insertRun(
        runOf('', { report: 'refunds', startedAt: at('2026-04-03T00:00:00Z'), scheduleId: 's1' }),
      )
      const all = await store.listRuns('', { report: 'refunds' })
      expect(all.map((r) => r.startedAt.toISOString().slice(0, 10))).toEqual([
        '2026-04-03',
        '2026-04-02',
        '2026-04-01',
      ])
      const window = await store.listRuns('', {
        report: 'refunds',
        from: at('2026-04-02T00:00:00Z'),
        to: at('2026-04-03T00:00:00Z'),
      })
      expect(window).toHaveLength(1)
      expect(await store.listRuns('', { scheduleId: 's1' })).toHaveLength(1)
      expect(await store.listRuns('', { report: 'refunds', limit: 2 })).toHaveLength(2)
    },
  },
  {
    name: 'counts downloads with one conditional update, never past the limit',
    run: async ({ store }) => {
      const hash = 'a'.repeat(64)
      await store.insertToken(tokenOf('', hash, { maxDownloads: 5 }))
      const now = at('2026-04-10T00:00:00Z')
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => store.consumeToken('', hash, now, '10.0.0.1')),
      )
      expect(outcomes.filter(Boolean)).toHaveLength(5)
      expect((await store.getToken('', hash))?.downloadCount).toBe(5)
    },
  },
  {
    name: 'keeps the stored object a link points at',
    run: async ({ store }) => {
      const object = {
        storageKey: 'invoices-42.pdf',
        filename: 'Rechnung 42 – März.pdf',
        contentType: 'application/pdf',
      }
      await store.insertToken(tokenOf('', 'f'.repeat(64), { maxDownloads: 1, artifactId: 'obj', object }))
      await store.insertToken(tokenOf('', '0'.repeat(64), { maxDownloads: 1, artifactId: 'run' }))
      expect((await store.getToken('', 'f'.repeat(64)))?.object).toEqual(object)
      expect((await store.getToken('', '0'.repeat(64)))?.object).toBeUndefined()
    },
  },
  {
    name: 'refuses expired, revoked and wrong-IP tokens',
    run: async ({ store }) => {
      await store.insertToken(tokenOf('', 'b'.repeat(64), { bindIp: '10.0.0.9' }))
      await store.insertToken(tokenOf('', 'c'.repeat(64)))
      expect(await store.consumeToken('', 'b'.repeat(64), at('2026-04-10T00:00:00Z'), '10.0.0.8')).toBe(false)
      expect(await store.consumeToken('', 'b'.repeat(64), at('2026-04-10T00:00:00Z'), null)).toBe(false)
      expect(await store.consumeToken('', 'b'.repeat(64), at('2026-04-10T00:00:00Z'), '10.0.0.9')).toBe(true)
      expect(await store.consumeToken('', 'c'.repeat(64), at('2026-05-01T00:00:00Z'), null)).toBe(false)
      await store.revokeToken('', 'c'.repeat(64), at('2026-04-10T00:00:00Z'))
      expect(await store.consumeToken('', 'c'.repeat(64), at('2026-04-11T00:00:00Z'), null)).toBe(false)
      expect(await store.consumeToken('', 'd'.repeat(64), at('2026-04-11T00:00:00Z'), null)).toBe(false)
    },
  },
  {
    name: 'records redeems',
    run: async ({ store }) => {
      await store.recordRedeem({
        tenantId: '',
        id: uuidv7(),
        tokenHash: 'e'.repeat(64),
        artifactId: 'art-r',
        ip: '1.2.3.4',
        userAgent: 'curl',
        outcome: 'ok',
        at: at('2026-04-10T00:00:00Z'),
      })
      const list = await store.listRedeems('', { artifactId: 'art-r' })
      expect(list).toHaveLength(1)
      expect(list[0]).toMatchObject({ ip: '1.2.3.4', userAgent: 'curl', outcome: 'ok' })
    },
  },
  {
    name: 'claims each (schedule, slot) once and advances conditionally',
    run: async ({ store }) => {
      const id = uuidv7()
      const slot = at('2026-06-01T06:00:00Z')
      await store.insertSchedule(
        scheduleOf('', {
          id,
          timeZone: 'Europe/Berlin',
          deliverTo: { to: ['ops@example.com'] },
          nextRunAt: slot,
        }),
      )
      expect((await store.dueSchedules(at('2026-06-01T05:59:59Z'), 10)).map((s) => s.id)).not.toContain(id)
      const due = await store.dueSchedules(at('2026-06-01T06:00:00Z'), 10)
      expect(due.find((s) => s.id === id)).toMatchObject({
        deliverTo: { to: ['ops@example.com'] },
        enabled: true,
      })
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimSlot(id, slot, slot)))
      expect(claims.filter(Boolean)).toHaveLength(1)
      await store.setSlotRun(id, slot, 'run-1')
      const next = at('2026-06-02T06:00:00Z')
      expect(await store.advanceSchedule('', id, slot, next)).toBe(true)
      expect(await store.advanceSchedule('', id, slot, next)).toBe(false)
      expect((await store.getSchedule('', id))?.nextRunAt.toISOString()).toBe(next.toISOString())
      await store.setScheduleEnabled('', id, false)
      expect((await store.dueSchedules(at('2026-07-01T00:00:00Z'), 10)).map((s) => s.id)).not.toContain(id)
      await store.deleteSchedule('', id)
      expect(await store.getSchedule('', id)).toBeUndefined()
    },
  },
]

/** What a second store on the same data (another process) must see. */
const durability: StoreConformanceCase<ReportsStore>[] = [
  {
    name: 'a reopened store reads the runs, tokens and schedules written before',
    needs: 'reopen',
    run: async ({ store, reopen }) => {
      const record = runOf('', { report: 'durable' })
      await store.insertRun(record)
      await store.finishRun(
        '',
        record.id,
        outcomeOf({
          rows: 3,
          bytes: 30,
          sha256: 'cd'.repeat(32),
          durationMs: 2,
          finishedAt: at('2026-03-01T10:00:02Z'),
        }),
      )
      const hash = '1'.repeat(64)
      await store.insertToken(tokenOf('', hash, { artifactId: record.id, maxDownloads: 2 }))
      expect(await store.consumeToken('', hash, at('2026-04-02T00:00:00Z'), null)).toBe(true)
      const scheduleId = uuidv7()
      await store.insertSchedule(
        scheduleOf('', {
          id: scheduleId,
          report: 'durable',
          params: { from: '2026-01-01' },
          timeZone: 'America/New_York',
          nextRunAt: at('2026-06-01T12:00:00Z'),
        }),
      )
      const other = await reopen()
      expect(await other.getRun('', record.id)).toMatchObject({
        status: 'succeeded',
        rows: 3,
        sha256: 'cd'.repeat(32),
      })
      expect((await other.getToken('', hash))?.downloadCount).toBe(1)
      expect(await other.consumeToken('', hash, at('2026-04-02T00:00:00Z'), null)).toBe(true)
      expect(await store.consumeToken('', hash, at('2026-04-02T00:00:00Z'), null)).toBe(false)
      expect(await other.getSchedule('', scheduleId)).toMatchObject({
        timeZone: 'America/New_York',
        params: { from: '2026-01-01' },
        deliverTo: null,
      })
    },
  },
  {
    name: 'a slot claimed through one store cannot be claimed through a reopened one',
    needs: 'reopen',
    run: async ({ store, reopen }) => {
      const id = uuidv7()
      const slot = at('2026-06-01T06:00:00Z')
      await store.insertSchedule(scheduleOf('', { id, nextRunAt: slot }))
      const other = await reopen()
      expect(await store.claimSlot(id, slot, slot)).toBe(true)
      expect(await other.claimSlot(id, slot, slot)).toBe(false)
      expect(await other.advanceSchedule('', id, slot, at('2026-06-02T06:00:00Z'))).toBe(true)
      expect(await store.advanceSchedule('', id, slot, at('2026-06-02T06:00:00Z'))).toBe(false)
    },
  },
]

/**
 * The behaviour every {@link ReportsStore} must have, on core's `runStoreConformance`: run
 * history, the one-update download counter (parallel consumers never exceed the limit), slot
 * claims and conditional advances, tenant isolation (every cross-tenant path matches nothing)
 * and retention (tombstoned runs, keepLast per tenant and report, ended links only); with `reopen`, that a second store on the same data (another
 * process) sees all of it and shares the counters and claims. Import it in a test file (vitest).
 *
 * @example
 * ```ts
 * runReportsStoreConformance({ name: 'memory', create: async () => createMemoryReportsStore() })
 * ```
 */
export function runReportsStoreConformance(options: StoreConformanceOptions<ReportsStore>): void {
  runStoreConformance('ReportsStore conformance', options, [
    ...behaviour,
    ...tenancyCases,
    ...retentionCases,
    ...durability,
  ])
}
