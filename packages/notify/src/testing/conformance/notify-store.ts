import type { HostDatabase } from '@opskit/core'
import { runStoreConformance, type StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { NotifyStore } from '../../store/notify-store.js'
import { notification } from './fixtures.js'
import { notificationCases } from './notification-cases.js'
import { outboxCases } from './outbox-cases.js'
import { retentionCases } from './retention-cases.js'
import { templateStoreCases } from './template-store-cases.js'
import { tenancyCases } from './tenancy-cases.js'
import { userCases } from './user-cases.js'

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

/** A claimed key and its notification, read back by another store on the same data. */
const durabilityCases: StoreConformanceCase<NotifyStore>[] = [
  {
    name: 'a claimed idempotency key and a completed notification survive into a reopened store',
    needs: 'reopen',
    run: async ({ store, reopen }) => {
      const record = notification()
      expect(await store.insertNotification(record)).toBe(true)
      const deliveries = [{ channel: 'sms' as const, provider: 'p', status: 'sent' as const, attempts: 1 }]
      await store.completeNotification('', record.id, deliveries, 2_000)
      const other = await reopen()
      expect(
        await other.insertNotification({ ...notification(), idempotencyKey: record.idempotencyKey }),
      ).toBe(false)
      expect(await other.getNotificationByKey('', record.idempotencyKey)).toMatchObject({
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
 * claims with leases, host transactions, stored templates, cross-tenant attacks, batched
 * retention deletes, and (with `reopen`) durability.
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
      ...notificationCases,
      ...userCases,
      ...tenancyCases,
      ...retentionCases,
      ...outboxCases(options.db),
      ...(options.templates === false ? [] : templateStoreCases()),
      ...durabilityCases,
    ],
  )
}
