import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { ReportsStore } from '../../store/reports-store.js'
import { at, outcomeOf, runOf, scheduleOf, tokenOf } from './records.js'

const ms = (iso: string) => Date.parse(iso)

/** Inserts a run of `tenantId` started on `day` and, unless `running`, finished that day. */
async function runOn(store: ReportsStore, tenantId: string, day: string, report = 'sales', running = false) {
  const run = runOf(tenantId, { report, startedAt: at(`${day}T10:00:00Z`) })
  await store.insertRun(run)
  if (!running) await store.finishRun(tenantId, run.id, outcomeOf({ finishedAt: at(`${day}T10:00:01Z`) }))
  return run
}

/** Marks, then finishes (rows only: these cases have no storage) every marked run; returns the ids. */
async function purge(store: ReportsStore, batch: Parameters<ReportsStore['markRunsDeleting']>[0]) {
  await store.markRunsDeleting(batch)
  const marked = await store.runsBeingDeleted({ tenantId: batch.tenantId, limit: 1_000 })
  expect(await store.deleteRunRows(marked)).toBe(marked.length)
  return marked.map((run) => run.id).sort()
}

/** Retention on the store: tombstones, keepLast per (tenant, report), ended links only, batches. */
export const retentionCases: StoreConformanceCase<ReportsStore>[] = [
  {
    name: 'marks finished runs before the cutoff, never running ones, and hides them until deleted',
    run: async ({ store }) => {
      const old = await runOn(store, 'acme', '2026-01-01')
      const stillRunning = await runOn(store, 'acme', '2026-01-01', 'sales', true)
      const recent = await runOn(store, 'acme', '2026-03-01')
      expect(await store.markRunsDeleting({ cutoff: ms('2026-02-01T00:00:00Z'), limit: 100 })).toBe(1)
      // The tombstone: invisible to reads (so no link can hand it out) but still a row.
      expect(await store.getRun('acme', old.id)).toBeUndefined()
      expect((await store.listRuns('acme', {})).map((r) => r.id).sort()).toEqual(
        [stillRunning.id, recent.id].sort(),
      )
      expect(await store.storageKeysInUse([old.storageKey ?? ''])).toEqual(new Set([old.storageKey]))
      const marked = await store.runsBeingDeleted({ limit: 10 })
      expect(marked).toEqual([{ tenantId: 'acme', id: old.id, storageKey: old.storageKey }])
      // A row is deleted only for its own tenant, and only once marked.
      expect(await store.deleteRunRows([{ tenantId: 'globex', id: old.id }])).toBe(0)
      expect(await store.deleteRunRows([{ tenantId: 'acme', id: recent.id }])).toBe(0)
      expect(await store.deleteRunRows(marked)).toBe(1)
      expect(await store.runsBeingDeleted({ limit: 10 })).toEqual([])
      expect(await store.storageKeysInUse([old.storageKey ?? ''])).toEqual(new Set())
      expect((await store.getRun('acme', stillRunning.id))?.status).toBe('running')
    },
  },
  {
    name: 'keeps the newest keepLast runs of each tenant and report, and marks in batches',
    run: async ({ store }) => {
      const days = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04']
      const acmeSales = []
      for (const day of days) acmeSales.push(await runOn(store, 'acme', day))
      const acmeRefunds = await runOn(store, 'acme', '2026-01-01', 'refunds')
      const globex = []
      for (const day of days) globex.push(await runOn(store, 'globex', day))
      // One run per batch: the limit holds, the loop still gets there.
      expect(await store.markRunsDeleting({ keepLast: 2, limit: 1 })).toBe(1)
      const all = [await purge(store, { keepLast: 2, limit: 100 })]
      const remaining = async (tenantId: string) =>
        (await store.listRuns(tenantId, {})).map((r) => r.id).sort()
      expect(await remaining('acme')).toEqual([acmeSales[2]?.id, acmeSales[3]?.id, acmeRefunds.id].sort())
      expect(await remaining('globex')).toEqual([globex[2]?.id, globex[3]?.id].sort())
      expect(all[0]).toHaveLength(4)
    },
  },
  {
    name: "retention scoped to one tenant leaves every other tenant's rows",
    run: async ({ store }) => {
      const acme = await runOn(store, 'acme', '2026-01-01')
      const globex = await runOn(store, 'globex', '2026-01-01')
      expect(
        await purge(store, { tenantId: 'acme', cutoff: ms('2026-02-01T00:00:00Z'), limit: 100 }),
      ).toEqual([acme.id])
      expect((await store.getRun('globex', globex.id))?.status).toBe('succeeded')
      await store.insertToken(tokenOf('globex', '3'.repeat(64), { expiresAt: at('2026-01-02T00:00:00Z') }))
      const batch = {
        tenantId: 'acme',
        cutoff: ms('2026-02-01T00:00:00Z'),
        now: ms('2026-03-01T00:00:00Z'),
        limit: 10,
      }
      expect(await store.deleteExpired('links', batch)).toBe(0)
      expect(await store.getToken('globex', '3'.repeat(64))).toBeDefined()
    },
  },
  {
    name: 'deletes only links that can no longer be redeemed and ended before the cutoff',
    run: async ({ store }) => {
      const cutoff = ms('2026-04-01T00:00:00Z')
      const now = ms('2026-04-20T00:00:00Z')
      await store.insertToken(tokenOf('', '1'.repeat(64), { expiresAt: at('2026-03-01T00:00:00Z') })) // expired
      await store.insertToken(tokenOf('', '2'.repeat(64), { expiresAt: at('2026-04-10T00:00:00Z') })) // expired after cutoff
      await store.insertToken(tokenOf('', '3'.repeat(64), { expiresAt: at('2027-01-01T00:00:00Z') })) // valid
      await store.insertToken(tokenOf('', '4'.repeat(64), { expiresAt: at('2027-01-01T00:00:00Z') })) // revoked
      await store.revokeToken('', '4'.repeat(64), at('2026-03-15T00:00:00Z'))
      await store.insertToken(
        tokenOf('', '5'.repeat(64), { maxDownloads: 1, expiresAt: at('2027-01-01T00:00:00Z') }),
      )
      expect(await store.consumeToken('', '5'.repeat(64), at('2026-03-20T00:00:00Z'), null)).toBe(true) // used up
      const batch = { cutoff, now, limit: 2 }
      expect(await store.deleteExpired('links', batch)).toBe(2)
      expect(await store.deleteExpired('links', batch)).toBe(1)
      expect(await store.deleteExpired('links', batch)).toBe(0)
      for (const kept of ['2', '3']) expect(await store.getToken('', kept.repeat(64))).toBeDefined()
      for (const gone of ['1', '4', '5']) expect(await store.getToken('', gone.repeat(64))).toBeUndefined()
      // A cutoff in the future never deletes a link that can still be redeemed.
      expect(await store.deleteExpired('links', { cutoff: ms('2030-01-01T00:00:00Z'), now, limit: 10 })).toBe(
        1,
      )
      expect(await store.getToken('', '3'.repeat(64))).toBeDefined()
    },
  },
  {
    name: 'deletes redeem records before the cutoff and slot claims the schedule has moved past',
    run: async ({ store }) => {
      const base = { tokenHash: '9'.repeat(64), artifactId: null, ip: null, userAgent: null, outcome: 'ok' }
      await store.recordRedeem({ ...base, id: 'r-old', tenantId: 'acme', at: at('2026-01-01T00:00:00Z') })
      await store.recordRedeem({ ...base, id: 'r-new', tenantId: 'acme', at: at('2026-03-01T00:00:00Z') })
      const cutoff = ms('2026-02-01T00:00:00Z')
      const now = ms('2026-03-10T00:00:00Z')
      expect(await store.deleteExpired('redeems', { cutoff, now, limit: 10 })).toBe(1)
      expect((await store.listRedeems('acme', {})).map((r) => r.id)).toEqual(['r-new'])
      const moved = scheduleOf('acme', { nextRunAt: at('2026-03-01T08:00:00Z') })
      const stuck = scheduleOf('acme', { nextRunAt: at('2026-01-05T08:00:00Z') })
      for (const schedule of [moved, stuck]) await store.insertSchedule(schedule)
      await store.claimSlot(moved.id, at('2026-01-05T08:00:00Z'), at('2026-01-05T08:00:00Z'))
      // Claimed but not yet advanced (an instance is running it): the claim must stay.
      await store.claimSlot(stuck.id, at('2026-01-05T08:00:00Z'), at('2026-01-05T08:00:00Z'))
      expect(await store.deleteExpired('scheduleSlots', { tenantId: 'globex', cutoff, now, limit: 10 })).toBe(
        0,
      )
      expect(await store.deleteExpired('scheduleSlots', { cutoff, now, limit: 10 })).toBe(1)
      expect(await store.claimSlot(stuck.id, at('2026-01-05T08:00:00Z'), at('2026-03-10T00:00:00Z'))).toBe(
        false,
      )
    },
  },
]
