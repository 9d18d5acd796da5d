import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { NotifyStore } from '../../store/notify-store.js'
import { MAX_RECEIPT_HISTORY, type NotificationRecord } from '../../store/records.js'
import { id, notification } from './fixtures.js'

/** Idempotency claims, compare-and-swap transitions, delivery receipts and the delivery log. */
export const notificationCases: StoreConformanceCase<NotifyStore>[] = [
  {
    name: 'inserts a notification once per idempotency key',
    run: async ({ store }) => {
      const first = notification()
      expect(await store.insertNotification(first)).toBe(true)
      expect(
        await store.insertNotification({ ...notification(), idempotencyKey: first.idempotencyKey }),
      ).toBe(false)
      expect(await store.getNotificationByKey('', first.idempotencyKey)).toEqual(first)
      expect(await store.getNotification('', first.id)).toEqual(first)
      expect(await store.getNotification('', 'missing')).toBeUndefined()
    },
  },
  {
    name: "claims with { wait: 'committed' } like a durable claim; concurrent claims of one key, once",
    run: async ({ store }) => {
      const key = id('key')
      const records = [
        notification({ idempotencyKey: key }),
        notification({ idempotencyKey: key }),
        notification({ idempotencyKey: key }),
      ]
      const claims = await Promise.all([
        store.insertNotification(records[0] as NotificationRecord, { wait: 'committed' }),
        store.insertNotification(records[1] as NotificationRecord),
        store.insertNotification(records[2] as NotificationRecord, { wait: 'committed' }),
      ])
      expect(claims.filter(Boolean)).toHaveLength(1)
      expect(await store.getNotificationByKey('', key)).toEqual(records[claims.indexOf(true)])
    },
  },
  {
    name: 'transitions by compare-and-swap and completes with deliveries',
    run: async ({ store }) => {
      const record = notification({ state: 'queued' })
      await store.insertNotification(record)
      expect(
        await store.transitionNotification('', record.id, {
          from: 'queued',
          expectedUpdatedAt: 999,
          to: 'sending',
          now: 2_000,
        }),
      ).toBe(false)
      expect(
        await store.transitionNotification('', record.id, {
          from: 'queued',
          expectedUpdatedAt: 1_000,
          to: 'sending',
          now: 2_000,
        }),
      ).toBe(true)
      expect(
        await store.transitionNotification('', record.id, {
          from: 'queued',
          expectedUpdatedAt: 1_000,
          to: 'sending',
          now: 2_001,
        }),
      ).toBe(false)
      const deliveries = [
        {
          channel: 'sms' as const,
          provider: 'twilio',
          status: 'sent' as const,
          attempts: 2,
          providerMessageId: 'SM1',
          cost: { amount: 0.0158, currency: 'USD' },
          segments: 2,
        },
      ]
      await store.completeNotification('', record.id, deliveries, 3_000)
      const done = await store.getNotification('', record.id)
      expect(done).toMatchObject({ state: 'done', updatedAt: 3_000, deliveries })
    },
  },
  {
    name: 'attaches provider receipts (status, error code, final price) to the delivery they concern',
    run: async ({ store }) => {
      const record = notification()
      await store.insertNotification(record)
      const deliveries = [
        {
          channel: 'sms' as const,
          provider: 'twilio',
          status: 'sent' as const,
          attempts: 1,
          providerMessageId: `SM-${record.id}`,
          cost: { amount: 0.01, currency: 'USD' },
        },
        {
          channel: 'email' as const,
          provider: 'smtp',
          status: 'sent' as const,
          attempts: 1,
          providerMessageId: `<m-${record.id}>`,
        },
      ]
      await store.completeNotification('', record.id, deliveries, 2_000)
      expect(
        await store.recordReceipt(
          '',
          { provider: 'twilio', providerMessageId: 'SM-unknown', status: 'delivered' },
          3_000,
        ),
      ).toBe(false)
      expect(
        await store.recordReceipt(
          '',
          { provider: 'other', providerMessageId: `SM-${record.id}`, status: 'delivered' },
          3_000,
        ),
      ).toBe(false)
      expect(
        await store.recordReceipt(
          '',
          {
            provider: 'twilio',
            providerMessageId: `SM-${record.id}`,
            status: 'undelivered',
            errorCode: '30003',
            cost: { amount: 0.0079, currency: 'USD' },
          },
          3_000,
        ),
      ).toBe(true)
      const updated = await store.getNotification('', record.id)
      expect(updated?.deliveries[0]).toEqual({
        ...deliveries[0],
        cost: { amount: 0.0079, currency: 'USD' },
        receipt: { status: 'undelivered', at: 3_000, errorCode: '30003' },
        receipts: [{ status: 'undelivered', at: 3_000, errorCode: '30003' }],
      })
      expect(updated?.deliveries[1]).toEqual(deliveries[1])
    },
  },
  {
    name: 'ignores a receipt older than the one recorded (by event time, else by stage)',
    run: async ({ store }) => {
      const record = notification()
      await store.insertNotification(record)
      const delivery = (provider: string, providerMessageId: string) => ({
        channel: 'email' as const,
        provider,
        status: 'sent' as const,
        attempts: 1,
        providerMessageId,
      })
      await store.completeNotification(
        '',
        record.id,
        [delivery('sendgrid', `sg-${record.id}`), delivery('twilio', `SM-${record.id}`)],
        1_000,
      )
      const receipt = (provider: string, status: string, occurredAt?: number) => ({
        provider,
        providerMessageId: provider === 'sendgrid' ? `sg-${record.id}` : `SM-${record.id}`,
        status,
        ...(occurredAt !== undefined ? { occurredAt } : {}),
      })
      const statuses = async () =>
        (await store.getNotification('', record.id))?.deliveries.map((d) => d.receipt?.status)
      // Event times decide: a delivered at t=20 is not overwritten by a deferred from t=10 …
      expect(await store.recordReceipt('', receipt('sendgrid', 'delivered', 20_000), 2_000)).toBe(true)
      expect(await store.recordReceipt('', receipt('sendgrid', 'deferred', 10_000), 3_000)).toBe(true)
      expect(await statuses()).toEqual(['delivered', undefined])
      // … while a later open is recorded, with the time it happened.
      await store.recordReceipt('', receipt('sendgrid', 'open', 30_000), 4_000)
      expect((await store.getNotification('', record.id))?.deliveries[0]?.receipt).toEqual({
        status: 'open',
        at: 4_000,
        occurredAt: 30_000,
      })
      // Without event times the stage decides: a late `sent` does not undo `delivered`.
      await store.recordReceipt('', receipt('twilio', 'delivered'), 5_000)
      await store.recordReceipt('', receipt('twilio', 'sent'), 6_000)
      expect(await statuses()).toEqual(['open', 'delivered'])
      await store.recordReceipt('', receipt('twilio', 'read'), 7_000)
      expect(await statuses()).toEqual(['open', 'read'])
      // Every report is in the history, in event order, the late ones included.
      const history = async (index: number) =>
        (await store.getNotification('', record.id))?.deliveries[index]?.receipts?.map((r) => r.status)
      expect(await history(0)).toEqual(['deferred', 'delivered', 'open'])
      expect(await history(1)).toEqual(['delivered', 'sent', 'read'])
    },
  },
  {
    name: 'keeps each report once, and at most MAX_RECEIPT_HISTORY with the first and the newest',
    run: async ({ store }) => {
      const record = notification()
      await store.insertNotification(record)
      const messageId = `sg-${record.id}`
      await store.completeNotification(
        '',
        record.id,
        [
          {
            channel: 'email',
            provider: 'sendgrid',
            status: 'sent',
            attempts: 1,
            providerMessageId: messageId,
          },
        ],
        1_000,
      )
      const report = (status: string, occurredAt: number) =>
        store.recordReceipt(
          '',
          { provider: 'sendgrid', providerMessageId: messageId, status, occurredAt },
          2_000,
        )
      await report('delivered', 10_000)
      // A webhook the provider retried is the same report.
      await report('delivered', 10_000)
      for (let i = 1; i <= MAX_RECEIPT_HISTORY + 5; i++) await report('open', 10_000 + i * 1_000)
      const delivery = (await store.getNotification('', record.id))?.deliveries[0]
      const times = delivery?.receipts?.map((r) => r.occurredAt)
      expect(times).toHaveLength(MAX_RECEIPT_HISTORY)
      expect(times?.slice(0, 2)).toEqual([10_000, 11_000])
      expect(times?.at(-2)).toEqual(10_000 + (MAX_RECEIPT_HISTORY - 2) * 1_000)
      expect(times?.at(-1)).toEqual(10_000 + (MAX_RECEIPT_HISTORY + 5) * 1_000)
      expect(delivery?.receipt?.occurredAt).toBe(10_000 + (MAX_RECEIPT_HISTORY + 5) * 1_000)
    },
  },
  {
    name: 'lists the delivery log newest first, per user',
    run: async ({ store }) => {
      const userId = id('log-user')
      for (const createdAt of [10, 30, 20])
        await store.insertNotification(notification({ userId, createdAt, updatedAt: createdAt }))
      const list = await store.listNotifications({ tenantId: '', userId, limit: 2 })
      expect(list.map((r) => r.createdAt)).toEqual([30, 20])
    },
  },
]
