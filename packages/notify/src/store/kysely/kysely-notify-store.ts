import { DEFAULT_TABLE_PREFIX, type HostDatabase, type Logger, migrate } from '@opskit/core'
import { assertTablePrefix, dialectOf } from '@opskit/core/internal'
import type { NotifyStore } from '../notify-store.js'
import { kyselyTemplateMethods } from '../template-rows.js'
import { endpointMethods } from './endpoint-methods.js'
import { notifyMigrations, notifyTables } from './migrations.js'
import { notificationMethods } from './notification-methods.js'
import { outboxMethods } from './outbox-methods.js'
import { retentionMethods } from './retention-methods.js'
import { createSendPath } from './send-path.js'
import type { KyselyStoreContext } from './store-context.js'
import { userMethods } from './user-methods.js'

/** Options for {@link createKyselyNotifyStore}. */
export interface KyselyNotifyStoreOptions {
  /** The host's Kysely instance (SQLite or PostgreSQL). */
  db: HostDatabase
  /** Prefix of the tables. @default 'opskit_' (`DEFAULT_TABLE_PREFIX`) */
  tablePrefix?: string
  /** Told which migrations ran. */
  logger?: Logger
}

/**
 * A {@link NotifyStore} on the host's Kysely database (SQLite or PostgreSQL), in tables named
 * `<prefix>notify_*`. Outbox rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL and
 * under SQLite's single-writer transaction elsewhere; both set a lease so a crashed
 * dispatcher's rows are taken over once it expires.
 *
 * Async: it creates or upgrades the tables before it resolves. `close()` ends the store's own
 * work (group commits in flight), never the host's `db`.
 *
 * @example
 * ```ts
 * const notifier = await createNotifier({ store: await createKyselyNotifyStore({ db }), providers })
 * ```
 */
export async function createKyselyNotifyStore(options: KyselyNotifyStoreOptions): Promise<NotifyStore> {
  const { db } = options
  const prefix = assertTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)
  const { applied } = await migrate(db, {
    namespace: 'notify',
    migrations: notifyMigrations,
    tablePrefix: prefix,
  })
  if (applied.length > 0) options.logger?.info({ applied }, 'notify tables migrated')
  const t = notifyTables(prefix)
  const dialect = dialectOf(db)
  // the statements of every send: cached SQL text, batched reads, group-committed writes on SQLite
  const sendPath = createSendPath(db, t, dialect)
  const context: KyselyStoreContext = { db, t, dialect, sendPath }
  let closed: Promise<void> | undefined
  return {
    ...kyselyTemplateMethods(db, t.templates),
    ...notificationMethods(context),
    ...userMethods(context),
    ...outboxMethods(context),
    ...endpointMethods(context),
    ...retentionMethods(context),
    // PostgreSQL deletes lock only the rows deleted (none a writer uses): longer batches, fewer fsyncs
    retentionTargetBatchMs: dialect === 'postgres' ? 200 : 20,
    // SQLite: a send's claim or completion waits for the write lock a delete batch holds
    ...(dialect === 'postgres' ? {} : { retentionWritersWaiting: () => sendPath.pendingWrites() > 0 }),
    close: () => {
      closed ??= sendPath.close()
      return closed
    },
  }
}
