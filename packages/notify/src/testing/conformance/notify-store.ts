import { type HostDatabase, isOpskitError } from '@opskit/core'
import { runStoreConformance, type StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { NotifyStore } from '../../store/notify-store.js'
import { MAX_RECEIPT_HISTORY, type NotificationRecord, type OutboxRecord } from '../../store/records.js'
import { templateStoreCases } from './template-store-cases.js'

/** Options of {@link runNotifyStoreConformance}. */
export interface NotifyStoreConformanceOptions {
  /** Shown in the test names (`memory`, `kysely/sqlite`). */
  name: string
  /** A fresh store per case, ready to use. */
  create(): Promise<NotifyStore>
  /** Called after each case with the store `create` returned. @default its `close()` */
  destroy?: (store: NotifyStore) => Promise<void>
  /** Opens a second store on the same data (as another process would); the durability cases need it. */
  reopen?: () => Promise<NotifyStore>
  /**
   * The database an SQL store writes to (called inside the case): the transaction case enqueues
   * inside its transactions. Without it the store must refuse `{ trx }` with `NOTIFY_STORE_UNSUPPORTED`.
   */
  db?: () => HostDatabase
  /** Whether the store keeps templates (`listTemplates`/`saveTemplate`/`deleteTemplate`). @default true */
  templates?: boolean
}

let unique = 0
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++unique}`

const notification = (overrides: Partial<NotificationRecord> = {}): NotificationRecord => ({
  id: id('n'),
  idempotencyKey: id('key'),
  userId: 'user-1',
  state: 'sending',
  deliveries: [],
  createdAt: 1_000,
  updatedAt: 1_000,
  ...overrides,
})

const row = (overrides: Partial<OutboxRecord> = {}): OutboxRecord => ({
  id: id('o'),
  message: { channels: ['email'], content: { subject: 's', text: 't' } },
  idempotencyKey: id('ok'),
  state: 'pending',
  attempts: 0,
  availableAt: 0,
  createdAt: 0,
  ...overrides,
})

/** The cases of the record methods (everything but templates and durability). */
function notifyStoreCases(options: NotifyStoreConformanceOptions): StoreConformanceCase<NotifyStore>[] {
  return [
    {
      name: 'inserts a notification once per idempotency key',
      run: async ({ store }) => {
        const first = notification()
        expect(await store.insertNotification(first)).toBe(true)
        expect(
          await store.insertNotification({ ...notification(), idempotencyKey: first.idempotencyKey }),
        ).toBe(false)
        expect(await store.getNotificationByKey(first.idempotencyKey)).toEqual(first)
        expect(await store.getNotification(first.id)).toEqual(first)
        expect(await store.getNotification('missing')).toBeUndefined()
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
        expect(await store.getNotificationByKey(key)).toEqual(records[claims.indexOf(true)])
      },
    },
    {
      name: 'transitions by compare-and-swap and completes with deliveries',
      run: async ({ store }) => {
        const record = notification({ state: 'queued' })
        await store.insertNotification(record)
        expect(
          await store.transitionNotification(record.id, {
            from: 'queued',
            expectedUpdatedAt: 999,
            to: 'sending',
            now: 2_000,
          }),
        ).toBe(false)
        expect(
          await store.transitionNotification(record.id, {
            from: 'queued',
            expectedUpdatedAt: 1_000,
            to: 'sending',
            now: 2_000,
          }),
        ).toBe(true)
        expect(
          await store.transitionNotification(record.id, {
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
        await store.completeNotification(record.id, deliveries, 3_000)
        const done = await store.getNotification(record.id)
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
        await store.completeNotification(record.id, deliveries, 2_000)
        expect(
          await store.recordReceipt(
            { provider: 'twilio', providerMessageId: 'SM-unknown', status: 'delivered' },
            3_000,
          ),
        ).toBe(false)
        expect(
          await store.recordReceipt(
            { provider: 'other', providerMessageId: `SM-${record.id}`, status: 'delivered' },
            3_000,
          ),
        ).toBe(false)
        expect(
          await store.recordReceipt(
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
        const updated = await store.getNotification(record.id)
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
          (await store.getNotification(record.id))?.deliveries.map((d) => d.receipt?.status)
        // Event times decide: a delivered at t=20 is not overwritten by a deferred from t=10 …
        expect(await store.recordReceipt(receipt('sendgrid', 'delivered', 20_000), 2_000)).toBe(true)
        expect(await store.recordReceipt(receipt('sendgrid', 'deferred', 10_000), 3_000)).toBe(true)
        expect(await statuses()).toEqual(['delivered', undefined])
        // … while a later open is recorded, with the time it happened.
        await store.recordReceipt(receipt('sendgrid', 'open', 30_000), 4_000)
        expect((await store.getNotification(record.id))?.deliveries[0]?.receipt).toEqual({
          status: 'open',
          at: 4_000,
          occurredAt: 30_000,
        })
        // Without event times the stage decides: a late `sent` does not undo `delivered`.
        await store.recordReceipt(receipt('twilio', 'delivered'), 5_000)
        await store.recordReceipt(receipt('twilio', 'sent'), 6_000)
        expect(await statuses()).toEqual(['open', 'delivered'])
        await store.recordReceipt(receipt('twilio', 'read'), 7_000)
        expect(await statuses()).toEqual(['open', 'read'])
        // Every report is in the history, in event order, the late ones included.
        const history = async (index: number) =>
          (await store.getNotification(record.id))?.deliveries[index]?.receipts?.map((r) => r.status)
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
            { provider: 'sendgrid', providerMessageId: messageId, status, occurredAt },
            2_000,
          )
        await report('delivered', 10_000)
        // A webhook the provider retried is the same report.
        await report('delivered', 10_000)
        for (let i = 1; i <= MAX_RECEIPT_HISTORY + 5; i++) await report('open', 10_000 + i * 1_000)
        const delivery = (await store.getNotification(record.id))?.deliveries[0]
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
        const list = await store.listNotifications({ userId, limit: 2 })
        expect(list.map((r) => r.createdAt)).toEqual([30, 20])
      },
    },
    {
      name: 'keeps preferences',
      run: async ({ store }) => {
        expect(await store.getPreferences('nobody')).toBeUndefined()
        const prefs = {
          timeZone: 'Europe/Paris',
          channels: { sms: false },
          categories: { marketing: { email: false } },
          quietHours: { start: '22:00', end: '07:00' },
        }
        await store.setPreferences('p-user', prefs)
        expect(await store.getPreferences('p-user')).toEqual(prefs)
        await store.setPreferences('p-user', { locale: 'fr' })
        expect(await store.getPreferences('p-user')).toEqual({ locale: 'fr' })
      },
    },
    {
      name: 'registers, lists, touches, moves, removes and prunes devices',
      run: async ({ store }) => {
        const userId = id('dev-user')
        await store.upsertDevice({
          userId,
          token: `${userId}-tok-a`,
          platform: 'ios',
          createdAt: 100,
          lastSeenAt: 100,
        })
        await store.upsertDevice({
          userId,
          token: `${userId}-tok-b`,
          platform: 'android',
          createdAt: 200,
          lastSeenAt: 200,
        })
        await store.upsertDevice({
          userId,
          token: `${userId}-tok-a`,
          platform: 'ios',
          createdAt: 300,
          lastSeenAt: 300,
        })
        const devices = await store.listDevices(userId)
        expect(devices.map((d) => [d.token, d.createdAt, d.lastSeenAt])).toEqual([
          [`${userId}-tok-a`, 100, 300],
          [`${userId}-tok-b`, 200, 200],
        ])
        await store.touchDevice(`${userId}-tok-b`, 400)
        expect((await store.listDevices(userId))[1]?.lastSeenAt).toBe(400)
        await store.upsertDevice({
          userId: 'other',
          token: `${userId}-tok-b`,
          platform: 'android',
          createdAt: 500,
          lastSeenAt: 500,
        })
        expect((await store.listDevices(userId)).map((d) => d.token)).toEqual([`${userId}-tok-a`])
        expect(await store.removeDevices([`${userId}-tok-a`, 'never'])).toBe(1)
        expect(await store.listDevices(userId)).toEqual([])
        await store.upsertDevice({
          userId,
          token: `${userId}-old`,
          platform: 'web',
          createdAt: 1,
          lastSeenAt: 1,
        })
        expect(await store.pruneDevices(2)).toBeGreaterThanOrEqual(1)
        expect(await store.listDevices(userId)).toEqual([])
      },
    },
    {
      name: 'keeps an inbox with unread counts and read marks',
      run: async ({ store }) => {
        const userId = id('inbox-user')
        for (const [n, createdAt] of [
          [1, 10],
          [2, 20],
          [3, 30],
        ] as const) {
          await store.addInboxItem({
            id: `${userId}-${n}`,
            userId,
            title: `T${n}`,
            body: `B${n}`,
            data: { n },
            createdAt,
          })
        }
        await store.addInboxItem({ id: `${userId}-x`, userId: 'someone-else', body: 'x', createdAt: 5 })
        expect(await store.unreadCount(userId)).toBe(3)
        expect((await store.listInbox(userId, { limit: 10 })).map((i) => i.body)).toEqual(['B3', 'B2', 'B1'])
        expect((await store.listInbox(userId, { limit: 10 }))[0]).toEqual({
          id: `${userId}-3`,
          userId,
          title: 'T3',
          body: 'B3',
          data: { n: 3 },
          createdAt: 30,
        })
        expect(await store.markRead(userId, [`${userId}-2`, `${userId}-x`], 40)).toBe(1)
        expect(await store.markRead(userId, [`${userId}-2`], 41)).toBe(0)
        expect(await store.unreadCount(userId)).toBe(2)
        expect((await store.listInbox(userId, { unreadOnly: true, limit: 10 })).map((i) => i.body)).toEqual([
          'B3',
          'B1',
        ])
        expect(await store.markAllRead(userId, 50)).toBe(2)
        expect(await store.unreadCount(userId)).toBe(0)
        expect((await store.listInbox(userId, { limit: 1 }))[0]?.readAt).toBe(50)
      },
    },
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
        expect(await store.finishOutbox(rows[0]?.id as string, 'b', 'done')).toBe(false)
        expect(await store.finishOutbox(rows[0]?.id as string, 'a', 'done')).toBe(true)
        expect(await store.finishOutbox(rows[0]?.id as string, 'a', 'done')).toBe(false)
        // a's lease on rows[1] expires: another owner takes it over, and a can no longer finish it
        const c = await store.claimOutbox({ owner: 'c', limit: 10, leaseMs: 1_000, now: now + 2_000 })
        const taken = c.find((r) => r.id === rows[1]?.id)
        expect(taken?.attempts).toBe(2)
        expect(await store.finishOutbox(rows[1]?.id as string, 'a', 'done')).toBe(false)
        await store.releaseOutbox(rows[1]?.id as string, 'c', now + 3_000)
        expect(
          (await store.claimOutbox({ owner: 'd', limit: 10, leaseMs: 1_000, now: now + 2_500 })).some(
            (r) => r.id === rows[1]?.id,
          ),
        ).toBe(false)
        const d = await store.claimOutbox({ owner: 'd', limit: 10, leaseMs: 1_000, now: base + 6_000 })
        expect(d.map((r) => r.id)).toEqual(expect.arrayContaining([rows[1]?.id, rows[2]?.id]))
        expect(d.find((r) => r.id === rows[2]?.id)?.message).toEqual(rows[2]?.message)
        expect(await store.finishOutbox(rows[2]?.id as string, 'd', 'failed')).toBe(true)
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
        const db = options.db?.()
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

/** A claimed key and its notification, read back by another store on the same data. */
const durabilityCases: StoreConformanceCase<NotifyStore>[] = [
  {
    name: 'a claimed idempotency key and a completed notification survive into a reopened store',
    needs: 'reopen',
    run: async ({ store, reopen }) => {
      const record = notification()
      expect(await store.insertNotification(record)).toBe(true)
      const deliveries = [{ channel: 'sms' as const, provider: 'p', status: 'sent' as const, attempts: 1 }]
      await store.completeNotification(record.id, deliveries, 2_000)
      const other = await reopen()
      expect(
        await other.insertNotification({ ...notification(), idempotencyKey: record.idempotencyKey }),
      ).toBe(false)
      expect(await other.getNotificationByKey(record.idempotencyKey)).toMatchObject({
        id: record.id,
        state: 'done',
        deliveries,
      })
    },
  },
]

/**
 * The suite every {@link NotifyStore} passes, on `@opskit/core`'s `runStoreConformance`: the
 * memory store and the Kysely store on SQLite and PostgreSQL. It covers idempotency keys,
 * compare-and-swap transitions, the delivery log, preferences, devices, the inbox, outbox
 * claims with leases, host transactions, stored templates, and (with `reopen`) durability.
 */
export function runNotifyStoreConformance(options: NotifyStoreConformanceOptions): void {
  runStoreConformance(
    'notify store conformance',
    {
      name: options.name,
      create: options.create,
      destroy: options.destroy ?? ((store) => store.close()),
      reopen: options.reopen,
    },
    [
      ...notifyStoreCases(options),
      ...(options.templates === false ? [] : templateStoreCases()),
      ...durabilityCases,
    ],
  )
}
