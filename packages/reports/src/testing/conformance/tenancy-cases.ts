import { uuidv7 } from '@opskit/core'
import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { ReportsStore } from '../../store/reports-store.js'
import { at, outcomeOf, runOf, scheduleOf, tokenOf } from './records.js'

/** Every cross-tenant path through the store, tried as an attacker would: each must match nothing. */
export const tenancyCases: StoreConformanceCase<ReportsStore>[] = [
  {
    name: "another tenant cannot read, list, finish or fail a tenant's run",
    run: async ({ store }) => {
      const mine = runOf('acme')
      await store.insertRun(mine)
      expect(await store.getRun('globex', mine.id)).toBeUndefined()
      expect(await store.getRun('', mine.id)).toBeUndefined()
      expect(await store.listRuns('globex', {})).toEqual([])
      expect(await store.listRuns('', {})).toEqual([])
      expect(await store.finishRun('globex', mine.id, outcomeOf())).toBe(false)
      expect(
        await store.failStaleRuns(at('2026-04-01T00:00:00Z'), 'x', at('2026-04-01T00:00:00Z'), 'globex'),
      ).toBe(0)
      expect((await store.getRun('acme', mine.id))?.status).toBe('running')
      expect((await store.listRuns('acme', {})).map((r) => r.id)).toEqual([mine.id])
      expect(await store.finishRun('acme', mine.id, outcomeOf())).toBe(true)
      expect((await store.getRun('acme', mine.id))?.tenantId).toBe('acme')
    },
  },
  {
    name: "another tenant cannot read, consume or revoke a tenant's download token",
    run: async ({ store }) => {
      const hash = '7'.repeat(64)
      await store.insertToken(tokenOf('acme', hash, { maxDownloads: 1 }))
      const now = at('2026-04-10T00:00:00Z')
      expect(await store.getToken('globex', hash)).toBeUndefined()
      expect(await store.getToken('', hash)).toBeUndefined()
      expect(await store.consumeToken('globex', hash, now, null)).toBe(false)
      expect(await store.consumeToken('', hash, now, null)).toBe(false)
      await store.revokeToken('globex', hash, now)
      const stored = await store.getToken('acme', hash)
      expect(stored).toMatchObject({ tenantId: 'acme', downloadCount: 0, revokedAt: null })
      expect(await store.consumeToken('acme', hash, now, null)).toBe(true)
    },
  },
  {
    name: 'lists redeem records per tenant',
    run: async ({ store }) => {
      const base = {
        tokenHash: '8'.repeat(64),
        ip: null,
        userAgent: null,
        outcome: 'ok',
        at: at('2026-04-10T00:00:00Z'),
      }
      await store.recordRedeem({ ...base, id: uuidv7(), tenantId: 'acme', artifactId: 'shared-art' })
      await store.recordRedeem({ ...base, id: uuidv7(), tenantId: 'globex', artifactId: 'shared-art' })
      expect((await store.listRedeems('acme', { artifactId: 'shared-art' })).map((r) => r.tenantId)).toEqual([
        'acme',
      ])
      expect(
        (await store.listRedeems('globex', { tokenHash: base.tokenHash })).map((r) => r.tenantId),
      ).toEqual(['globex'])
      expect(await store.listRedeems('', {})).toEqual([])
    },
  },
  {
    name: "another tenant cannot read, list, advance, disable or delete a tenant's schedule",
    run: async ({ store }) => {
      const schedule = scheduleOf('acme')
      await store.insertSchedule(schedule)
      const next = at('2026-06-02T08:00:00Z')
      expect(await store.getSchedule('globex', schedule.id)).toBeUndefined()
      expect(await store.listSchedules('globex')).toEqual([])
      expect(await store.listSchedules('')).toEqual([])
      expect(await store.advanceSchedule('globex', schedule.id, schedule.nextRunAt, next)).toBe(false)
      await store.setScheduleEnabled('globex', schedule.id, false)
      await store.deleteSchedule('globex', schedule.id)
      expect(await store.getSchedule('acme', schedule.id)).toMatchObject({
        tenantId: 'acme',
        enabled: true,
        nextRunAt: schedule.nextRunAt,
      })
      // The scheduler sees every tenant's due schedules, each with its tenant.
      const due = await store.dueSchedules(at('2026-06-01T08:00:00Z'), 10)
      expect(due.find((s) => s.id === schedule.id)?.tenantId).toBe('acme')
      await store.deleteSchedule('acme', schedule.id)
      expect(await store.getSchedule('acme', schedule.id)).toBeUndefined()
    },
  },
]
