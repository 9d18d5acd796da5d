import { type HostDatabase, isOpskitError } from '@opskit/core'
import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { NotifyStore } from '../../store/notify-store.js'
import { id, row } from './fixtures.js'

/**
 * Outbox claims with leases, disabled webhook endpoints, and host transactions: joined when the
 * store's database `db` is given, refused otherwise.
 */
export function outboxCases(database: (() => HostDatabase) | undefined): StoreConformanceCase<NotifyStore>[] {
  return [
    {
      name: 'claims outbox rows once, honours leases and availability, and finishes only for the owner',
      run: async ({ store }) => {
        const base = 10_000_000
        const rows = [
          row({ availableAt: base + 1 }),
          row({ availableAt: base + 2 }),
          row({ availableAt: base + 5_000 }),
        ]
        await store.enqueueOutbox(rows)
        const now = base + 10
        const a = await store.claimOutbox({ owner: 'a', limit: 10, leaseMs: 1_000, now })
        const mine = a.filter((r) => rows.some((x) => x.id === r.id))
        expect(mine.map((r) => r.id)).toEqual([rows[0]?.id, rows[1]?.id])
        expect(
          mine.every((r) => r.leaseOwner === 'a' && r.attempts === 1 && r.leaseUntil === now + 1_000),
        ).toBe(true)
        const b = await store.claimOutbox({ owner: 'b', limit: 10, leaseMs: 1_000, now: now + 1 })
        expect(b.filter((r) => rows.some((x) => x.id === r.id))).toEqual([])
        expect(await store.finishOutbox('', rows[0]?.id as string, 'b', 'done')).toBe(false)
        expect(await store.finishOutbox('', rows[0]?.id as string, 'a', 'done')).toBe(true)
        expect(await store.finishOutbox('', rows[0]?.id as string, 'a', 'done')).toBe(false)
        // a's lease on rows[1] expires: another owner takes it over, and a can no longer finish it
        const c = await store.claimOutbox({ owner: 'c', limit: 10, leaseMs: 1_000, now: now + 2_000 })
        const taken = c.find((r) => r.id === rows[1]?.id)
        expect(taken?.attempts).toBe(2)
        expect(await store.finishOutbox('', rows[1]?.id as string, 'a', 'done')).toBe(false)
        await store.releaseOutbox('', rows[1]?.id as string, 'c', now + 3_000)
        expect(
          (await store.claimOutbox({ owner: 'd', limit: 10, leaseMs: 1_000, now: now + 2_500 })).some(
            (r) => r.id === rows[1]?.id,
          ),
        ).toBe(false)
        const d = await store.claimOutbox({ owner: 'd', limit: 10, leaseMs: 1_000, now: base + 6_000 })
        expect(d.map((r) => r.id)).toEqual(expect.arrayContaining([rows[1]?.id, rows[2]?.id]))
        expect(d.find((r) => r.id === rows[2]?.id)?.message).toEqual(rows[2]?.message)
        expect(await store.finishOutbox('', rows[2]?.id as string, 'd', 'failed')).toBe(true)
        const counts = await store.outboxCounts()
        expect(counts.done).toBeGreaterThanOrEqual(1)
        expect(counts.failed).toBeGreaterThanOrEqual(1)
      },
    },
    {
      name: 'disables, lists and re-enables webhook endpoints',
      run: async ({ store }) => {
        const url = `https://hooks.example.com/${id('ep')}`
        expect(await store.isEndpointDisabled(url)).toBe(false)
        await store.disableEndpoint(url, '410 Gone', 5_000)
        await store.disableEndpoint(url, 'again', 6_000)
        expect(await store.isEndpointDisabled(url)).toBe(true)
        expect((await store.listDisabledEndpoints()).find((e) => e.url === url)).toEqual({
          url,
          reason: '410 Gone',
          disabledAt: 5_000,
        })
        expect(await store.enableEndpoint(url)).toBe(true)
        expect(await store.enableEndpoint(url)).toBe(false)
        expect(await store.isEndpointDisabled(url)).toBe(false)
      },
    },
    {
      name: 'joins the host transaction (SQL stores: rows commit or roll back with it), or refuses one it cannot see',
      run: async ({ store }) => {
        const db = database?.()
        if (db === undefined) {
          const error = await store.enqueueOutbox([row()], { trx: {} as never }).then(
            () => undefined,
            (caught: unknown) => caught,
          )
          expect(isOpskitError(error, 'NOTIFY_STORE_UNSUPPORTED')).toBe(true)
          return
        }
        const rolledBack = row({ availableAt: 1 })
        const committed = row({ availableAt: 1 })
        const rollback = new Error('roll back')
        const outcome = await db
          .transaction()
          .execute(async (trx) => {
            await store.enqueueOutbox([rolledBack], { trx })
            throw rollback
          })
          .catch((caught: unknown) => caught)
        expect(outcome).toBe(rollback)
        await db.transaction().execute((trx) => store.enqueueOutbox([committed], { trx }))
        const claimed = await store.claimOutbox({ owner: id('tx'), limit: 1_000, leaseMs: 1_000, now: 2 })
        expect(claimed.map((r) => r.id)).toContain(committed.id)
        expect(claimed.map((r) => r.id)).not.toContain(rolledBack.id)
      },
    },
  ]
}
