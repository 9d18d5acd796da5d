import { type HostDatabase, isOpskitError } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { forEachDialect, tempSqlitePath } from '@opskit/test-support'
import type { Transaction } from 'kysely'
import { describe, expect, it } from 'vitest'
import { createKyselyNotifyStore, createNotifier, type NotifyStore } from '../src/index.js'
import type { NotificationRecord } from '../src/store/records.js'
import { createMemoryNotifyStore, createMockSmsProvider, mockProviders } from '../src/testing/index.js'

const DAY = 86_400_000

/**
 * The host's database with every `transaction()` and every held `connection()` timed from its
 * first statement to its end: how long it held the connection (on SQLite the one write lock). The
 * store's retention batches run in one or the other (SQLite: a held connection, to commit without
 * an fsync on the event loop), and so do the sends' group commits on SQLite.
 */
function timedTransactions(db: HostDatabase, holds: number[]): HostDatabase {
  const bound = <T extends object>(target: T, key: string | symbol) => {
    const value = Reflect.get(target, key)
    return typeof value === 'function' ? value.bind(target) : value
  }
  return new Proxy(db, {
    get(target, key) {
      if (key !== 'transaction' && key !== 'connection') return bound(target, key)
      return () => {
        const builder = key === 'transaction' ? target.transaction() : target.connection()
        return new Proxy(builder, {
          get(inner, innerKey) {
            if (innerKey !== 'execute') return bound(inner, innerKey)
            return async <R>(work: (executor: Transaction<never>) => Promise<R>) => {
              let started = 0
              const result = await (inner.execute as (fn: (executor: never) => Promise<R>) => Promise<R>)(
                async (executor) => {
                  started = performance.now()
                  return work(executor)
                },
              )
              holds.push(performance.now() - started)
              return result
            }
          },
        })
      }
    },
  })
}

/** A store that counts its `deleteExpired` batches. */
function countingStore(inner: NotifyStore) {
  const batches: Array<{ kind: string; deleted: number }> = []
  const store: NotifyStore = {
    ...inner,
    async deleteExpired(kind, query) {
      const deleted = await inner.deleteExpired(kind, query)
      batches.push({ kind, deleted })
      return deleted
    },
  }
  return { store, batches }
}

/** `count` done notifications created `ageMs` ago, inserted in parallel chunks. */
async function seedDeliveries(
  store: NotifyStore,
  count: number,
  ageMs: number,
  tenantId = '',
): Promise<void> {
  const createdAt = Date.now() - ageMs
  for (let start = 0; start < count; start += 1_000) {
    const chunk: Promise<boolean>[] = []
    for (let i = start; i < Math.min(count, start + 1_000); i++) {
      const record: NotificationRecord = {
        id: `seed-${tenantId}-${i}`,
        tenantId,
        idempotencyKey: `seed-key-${i}`,
        userId: `user-${i % 100}`,
        state: 'done',
        deliveries: [
          { channel: 'in_app', provider: 'inbox', status: 'sent', attempts: 1, providerMessageId: `m-${i}` },
        ],
        createdAt,
        updatedAt: createdAt,
      }
      chunk.push(store.insertNotification(record))
    }
    await Promise.all(chunk)
  }
}

describe('applyRetention: the policy', () => {
  it('an invalid policy throws NOTIFY_INVALID_OPTIONS and deletes nothing; a tenant run covers that tenant only', async () => {
    const memory = createMemoryNotifyStore()
    const notifier = await createNotifier({
      store: memory,
      providers: mockProviders().providers,
      tenantMode: 'optional',
    })
    await seedDeliveries(memory, 10, 100 * DAY, 'acme')
    await seedDeliveries(memory, 10, 100 * DAY, 'globex')
    for (const policy of [
      { deliveries: { olderThan: '30d' }, everything: { olderThan: '1d' } },
      { deliveries: { olderThan: '30d' }, outbox: { keepLast: 3 } },
      { deliveries: {} },
      { deliveries: { olderThan: 'soon' } },
    ]) {
      const error = await notifier.applyRetention(policy as never).catch((caught: unknown) => caught)
      expect(isOpskitError(error, 'NOTIFY_INVALID_OPTIONS')).toBe(true)
    }
    expect(await notifier.deliveries.list({ tenantId: 'acme' })).toHaveLength(10)
    const acme = await notifier.applyRetention({ deliveries: { olderThan: '30d' } }, { tenantId: 'acme' })
    expect(acme.removed).toEqual({ deliveries: 10, inbox: 0, outbox: 0, devices: 0 })
    expect(await notifier.deliveries.list({ tenantId: 'globex' })).toHaveLength(10)
    const all = await notifier.applyRetention({ deliveries: { olderThan: '30d' } })
    expect(all.removed.deliveries).toBe(10)
    expect(await notifier.deliveries.list({ tenantId: 'globex' })).toEqual([])
  })
})

describe('applyRetention: batches while writers wait', () => {
  it('sizes batches for a tenth of the target while the store reports waiting writes', async () => {
    // a store whose delete batches take at least 0.01 ms per row (a busy wait: a loaded machine only
    // makes them slower, so sizes can only come out smaller) and whose writers wait from the 4th batch on
    const memory = createMemoryNotifyStore()
    const limits: number[] = []
    let waiting = false
    const store: NotifyStore = {
      ...memory,
      retentionTargetBatchMs: 20,
      retentionWritersWaiting: () => waiting,
      async deleteExpired(_kind, query) {
        limits.push(query.limit)
        waiting = limits.length >= 3
        const end = performance.now() + query.limit / 100
        while (performance.now() < end) {
          // busy: the batch "holds the lock"
        }
        return limits.length < 12 ? query.limit : 0
      },
    }
    const notifier = await createNotifier({ store, providers: mockProviders().providers })
    await notifier.applyRetention({ deliveries: { olderThan: '30d' } })
    expect(limits).toHaveLength(12)
    expect(limits[0]).toBe(500) // idle: the usual first batch
    // writers waiting from the 4th batch: sized from the previous batch's rate to 2 ms, at most
    // 200 rows at 0.01 ms per row (sized for 20 ms they would be 1,000)
    for (const limit of limits.slice(3)) expect(limit).toBeLessThanOrEqual(200)
    await notifier.close()
  })

  it('the SQLite store reports a send waiting for its claim or its delivery-log write, and nothing else', async () => {
    const file = tempSqlitePath('writers-waiting.db')
    const database = openSqlite(file.path)
    try {
      const store = await createKyselyNotifyStore({ db: database })
      const waitingAt: Record<string, boolean> = {}
      const sms = createMockSmsProvider()
      const send = sms.send.bind(sms)
      sms.send = async (message, options) => {
        waitingAt.providerCall = store.retentionWritersWaiting?.() ?? false // claim durable, nothing pending
        return send(message, options)
      }
      const observed: NotifyStore = {
        ...store,
        async insertNotification(record, options) {
          const claim = store.insertNotification(record, options)
          waitingAt.claim = store.retentionWritersWaiting?.() ?? false
          return claim
        },
        async completeNotification(tenantId, id, deliveries, now) {
          const completion = store.completeNotification(tenantId, id, deliveries, now)
          waitingAt.completion = store.retentionWritersWaiting?.() ?? false
          return completion
        },
      }
      const notifier = await createNotifier({ store: observed, providers: { sms: [sms] } })
      waitingAt.before = store.retentionWritersWaiting?.() ?? false
      await notifier.send({
        to: { phone: '+14155550100' },
        channels: ['sms'],
        content: { text: 'x' },
        idempotencyKey: 'k',
      })
      waitingAt.after = store.retentionWritersWaiting?.() ?? false
      expect(waitingAt).toEqual({
        before: false,
        claim: true,
        providerCall: false,
        completion: true,
        after: false,
      })
      await notifier.close()
    } finally {
      await database.destroy()
      file.cleanup()
    }
  })
})

forEachDialect('applyRetention under load', ({ db, dialect }) => {
  it('purges 20k old delivery rows in short batches while sends go on; new rows and in-flight ones stay', async () => {
    const holds: number[] = []
    const kysely = await createKyselyNotifyStore({ db: timedTransactions(db(), holds), tablePrefix: 'ret_' })
    const { store, batches } = countingStore(kysely)
    holds.length = 0 // the migrations' own transactions
    const notifier = await createNotifier({ store, providers: mockProviders().providers })
    await seedDeliveries(store, 20_000, 100 * DAY)
    const stuck: NotificationRecord = {
      id: 'stuck-sending',
      tenantId: '',
      idempotencyKey: 'stuck',
      state: 'sending',
      deliveries: [],
      createdAt: Date.now() - 100 * DAY,
      updatedAt: Date.now() - 100 * DAY,
    }
    await store.insertNotification(stuck)
    holds.length = 0 // the seeding's own writes: only what runs during the purge counts

    let purging = true
    const sent: string[] = []
    const sender = (async () => {
      for (let i = 0; purging; i++) {
        const result = await notifier.send({
          userId: `live-${i % 10}`,
          channels: ['in_app'],
          content: { text: `live ${i}` },
          idempotencyKey: `live-${i}`,
        })
        sent.push(result.id)
      }
    })()
    const report = await notifier.applyRetention({ deliveries: { olderThan: '30d' } })
    purging = false
    await sender

    expect(report.removed.deliveries).toBe(20_000)
    expect(sent.length).toBeGreaterThan(0)
    const left = await notifier.deliveries.list({ limit: 1_000 })
    expect(left.filter((record) => record.id.startsWith('seed-'))).toEqual([])
    expect(left.map((record) => record.id)).toEqual(expect.arrayContaining([...sent, stuck.id]))
    const deliveryBatches = batches.filter((batch) => batch.kind === 'deliveries')
    expect(deliveryBatches.length).toBeGreaterThan(4)
    // every batch that deleted rows held a connection (SQLite: so did each group commit of the sends)
    const deleting = deliveryBatches.filter((batch) => batch.deleted > 0).length
    if (dialect === 'sqlite') expect(holds.length).toBeGreaterThan(deleting)
    else expect(holds).toHaveLength(deleting)
    // SQLite: each batch's delete holds the one write lock briefly (batches sized to ~20 ms, ~2 ms
    // while sends wait); PostgreSQL locks only the rows deleted, none a writer uses, and sizes
    // batches to ~200 ms
    expect(Math.max(...holds)).toBeLessThan(dialect === 'sqlite' ? 100 : 1_000)
    await notifier.close()
  }, 120_000)
})
