import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { NotifyRetentionKind, NotifyStore, RetentionBatchQuery } from '../../store/notify-store.js'
import { id, notification, row } from './fixtures.js'

/** Runs batches of `deleteExpired` until one comes back short, as `applyRetention` does; resolves to the total. */
async function drain(
  store: NotifyStore,
  kind: NotifyRetentionKind,
  query: RetentionBatchQuery,
): Promise<number> {
  let total = 0
  for (;;) {
    const deleted = await store.deleteExpired(kind, query)
    expect(deleted).toBeLessThanOrEqual(query.limit)
    total += deleted
    if (deleted < query.limit) return total
  }
}

/** `deleteExpired`: one batch at a time, only expired records, never records still in flight. */
export const retentionCases: StoreConformanceCase<NotifyStore>[] = [
  {
    name: 'retention: deliveries removes done notifications before the cutoff only, with their receipt links',
    run: async ({ store }) => {
      const tenantId = id('ret')
      const at = (createdAt: number, state: 'done' | 'sending' | 'queued') =>
        notification({ tenantId, createdAt, updatedAt: createdAt, state })
      const old = [at(10, 'done'), at(11, 'done'), at(12, 'done')]
      const inFlight = [at(10, 'sending'), at(10, 'queued')]
      const recent = at(5_000, 'done')
      for (const record of [...old, ...inFlight, recent]) await store.insertNotification(record)
      const messageId = `SM-${old[0]?.id}`
      await store.completeNotification(
        tenantId,
        old[0]?.id as string,
        [{ channel: 'sms', provider: 'twilio', status: 'sent', attempts: 1, providerMessageId: messageId }],
        10,
      )
      expect(await store.deleteExpired('deliveries', { tenantId, cutoff: 1_000, limit: 2 })).toBe(2)
      expect(await drain(store, 'deliveries', { tenantId, cutoff: 1_000, limit: 2 })).toBe(1)
      for (const record of old) expect(await store.getNotification(tenantId, record.id)).toBeUndefined()
      for (const record of [...inFlight, recent])
        expect(await store.getNotification(tenantId, record.id)).toBeDefined()
      // the key of a removed notification is free again; its receipts match nothing
      expect(
        await store.insertNotification({
          ...at(6_000, 'done'),
          idempotencyKey: old[1]?.idempotencyKey as string,
        }),
      ).toBe(true)
      expect(
        await store.recordReceipt(
          tenantId,
          { provider: 'twilio', providerMessageId: messageId, status: 'delivered' },
          20,
        ),
      ).toBe(false)
    },
  },
  {
    name: 'retention: inbox removes items before the cutoff, keeping each user’s newest keepLast',
    run: async ({ store }) => {
      const tenantId = id('ret')
      const [ada, bob] = [id('ada'), id('bob')]
      for (const [userId, times] of [
        [ada, [1, 2, 3, 4, 5]],
        [bob, [1, 2, 9_000]],
      ] as const) {
        for (const createdAt of times)
          await store.addInboxItem({ tenantId, id: id('i'), userId, body: `${createdAt}`, createdAt })
      }
      expect(await drain(store, 'inbox', { tenantId, cutoff: 1_000, keepLast: 2, limit: 2 })).toBe(4)
      const bodies = async (userId: string) =>
        (await store.listInbox(tenantId, userId, { limit: 10 })).map((item) => item.body)
      expect(await bodies(ada)).toEqual(['5', '4'])
      expect(await bodies(bob)).toEqual(['9000', '2'])
      expect(await drain(store, 'inbox', { tenantId, keepLast: 1, limit: 100 })).toBe(2)
      expect(await bodies(ada)).toEqual(['5'])
      expect(await bodies(bob)).toEqual(['9000'])
    },
  },
  {
    name: 'retention: outbox removes done and failed rows before the cutoff, never pending ones',
    run: async ({ store }) => {
      const tenantId = id('ret')
      const rows = [
        row({ tenantId, state: 'done', createdAt: 1 }),
        row({ tenantId, state: 'failed', createdAt: 1 }),
        row({ tenantId, state: 'pending', createdAt: 1, availableAt: 10 ** 15 }),
        row({ tenantId, state: 'done', createdAt: 5_000 }),
      ]
      await store.enqueueOutbox(rows)
      const before = await store.outboxCounts()
      expect(await drain(store, 'outbox', { tenantId, cutoff: 1_000, limit: 1 })).toBe(2)
      const after = await store.outboxCounts()
      expect(after.pending).toBe(before.pending)
      expect(after.done).toBe(before.done - 1)
      expect(after.failed).toBe(before.failed - 1)
    },
  },
  {
    name: 'retention: devices removes devices not seen since the cutoff',
    run: async ({ store }) => {
      const tenantId = id('ret')
      const userId = id('dev')
      const device = (token: string, lastSeenAt: number) =>
        store.upsertDevice({ tenantId, userId, token, platform: 'web', createdAt: 1, lastSeenAt })
      await device(`${userId}-stale`, 10)
      await device(`${userId}-fresh`, 10)
      await store.touchDevice(tenantId, `${userId}-fresh`, 5_000)
      expect(await drain(store, 'devices', { tenantId, cutoff: 1_000, limit: 10 })).toBe(1)
      expect((await store.listDevices(tenantId, userId)).map((d) => d.token)).toEqual([`${userId}-fresh`])
    },
  },
]
