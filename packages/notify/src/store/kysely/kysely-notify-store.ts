import {
  assertTablePrefix,
  DEFAULT_TABLE_PREFIX,
  dialectOf,
  type HostDatabase,
  type Logger,
  migrate,
} from '@opskit/core'
import { applyReceipt } from '../apply-receipt.js'
import { notifyMigrations, notifyTables } from './migrations.js'
import type { NotifyStore } from '../notify-store.js'
import type {
  Delivery,
  DeviceRecord,
  InboxItem,
  NotificationRecord,
  OutboxRecord,
  UserPreferences,
} from '../records.js'
import { createSendPath } from './send-path.js'
import { kyselyTemplateMethods } from '../template-rows.js'

/** Options for {@link createKyselyNotifyStore}. */
export interface KyselyNotifyStoreOptions {
  /** The host's Kysely instance (SQLite or PostgreSQL). */
  db: HostDatabase
  /** Prefix of the tables. @default 'opskit_' (`DEFAULT_TABLE_PREFIX`) */
  tablePrefix?: string
  /** Told which migrations ran. */
  logger?: Logger
}

type Row = Record<string, unknown>
const num = (value: unknown): number => Number(value)
const optNum = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value)
const optStr = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : String(value)

function toNotification(row: Row): NotificationRecord {
  const userId = optStr(row.user_id)
  const category = optStr(row.category)
  return {
    id: String(row.id),
    idempotencyKey: String(row.idempotency_key),
    ...(userId === undefined ? {} : { userId }),
    ...(category === undefined ? {} : { category }),
    state: row.state as NotificationRecord['state'],
    deliveries: JSON.parse(String(row.deliveries)),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  }
}

function toDevice(row: Row): DeviceRecord {
  return {
    userId: String(row.user_id),
    token: String(row.token),
    platform: row.platform as DeviceRecord['platform'],
    createdAt: num(row.created_at),
    lastSeenAt: num(row.last_seen_at),
  }
}

function toInbox(row: Row): InboxItem {
  const title = optStr(row.title)
  const category = optStr(row.category)
  const readAt = optNum(row.read_at)
  return {
    id: String(row.id),
    userId: String(row.user_id),
    ...(title === undefined ? {} : { title }),
    body: String(row.body),
    ...(category === undefined ? {} : { category }),
    ...(row.data ? { data: JSON.parse(String(row.data)) } : {}),
    createdAt: num(row.created_at),
    ...(readAt === undefined ? {} : { readAt }),
  }
}

function toOutbox(row: Row): OutboxRecord {
  const leaseOwner = optStr(row.lease_owner)
  const leaseUntil = optNum(row.lease_until)
  return {
    id: String(row.id),
    message: JSON.parse(String(row.message)),
    idempotencyKey: String(row.idempotency_key),
    state: row.state as OutboxRecord['state'],
    attempts: num(row.attempts),
    availableAt: num(row.available_at),
    ...(leaseOwner === undefined ? {} : { leaseOwner }),
    ...(leaseUntil === undefined ? {} : { leaseUntil }),
    createdAt: num(row.created_at),
  }
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
  const { applied } = await migrate(db, { namespace: 'notify', migrations: notifyMigrations, tablePrefix: prefix })
  if (applied.length > 0) options.logger?.info({ applied }, 'notify tables migrated')
  const t = notifyTables(prefix)
  const dialect = dialectOf(db)
  const postgres = dialect === 'postgres'
  // the statements of every send: cached SQL text, batched reads, group-committed writes on SQLite
  const sendPath = createSendPath(db, t, dialect)

  return {
    ...kyselyTemplateMethods(db, t.templates),
    insertNotification: (record, insertOptions) => sendPath.claim(record, insertOptions),
    async getNotificationByKey(key) {
      const row = await db
        .selectFrom(t.notifications)
        .selectAll()
        .where('idempotency_key', '=', key)
        .executeTakeFirst()
      return row && toNotification(row)
    },
    async getNotification(id) {
      const row = await db.selectFrom(t.notifications).selectAll().where('id', '=', id).executeTakeFirst()
      return row && toNotification(row)
    },
    async transitionNotification(id, change) {
      const result = await db
        .updateTable(t.notifications)
        .set({ state: change.to, updated_at: change.now })
        .where('id', '=', id)
        .where('state', '=', change.from)
        .where('updated_at', '=', change.expectedUpdatedAt)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    completeNotification: (id, deliveries, now) => sendPath.complete(id, deliveries, now),
    async recordReceipt(receipt, now) {
      return db.transaction().execute(async (trx) => {
        const link = await trx
          .selectFrom(t.providerMessages)
          .select('notification_id')
          .where('provider', '=', receipt.provider)
          .where('provider_message_id', '=', receipt.providerMessageId)
          .executeTakeFirst()
        if (!link) return false
        let select = trx
          .selectFrom(t.notifications)
          .select('deliveries')
          .where('id', '=', String(link.notification_id))
        if (postgres) select = select.forUpdate()
        const row = await select.executeTakeFirst()
        const current: Delivery[] | undefined = row && JSON.parse(String(row.deliveries))
        const deliveries = current && applyReceipt(current, receipt, now)
        if (!deliveries) return false
        if (deliveries === current) return true
        await trx
          .updateTable(t.notifications)
          .set({ deliveries: JSON.stringify(deliveries) })
          .where('id', '=', String(link.notification_id))
          .execute()
        return true
      })
    },
    async listNotifications(query) {
      let builder = db.selectFrom(t.notifications).selectAll()
      if (query.userId !== undefined) builder = builder.where('user_id', '=', query.userId)
      const rows = await builder
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit)
        .execute()
      return rows.map(toNotification)
    },
    async getPreferences(userId) {
      const stored = await sendPath.preferences(userId)
      return stored === undefined ? undefined : (JSON.parse(stored) as UserPreferences)
    },
    async setPreferences(userId, value) {
      const preferences = JSON.stringify(value)
      await db
        .insertInto(t.preferences)
        .values({ user_id: userId, preferences })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ preferences }))
        .execute()
    },
    async upsertDevice(device) {
      await db
        .insertInto(t.devices)
        .values({
          token: device.token,
          user_id: device.userId,
          platform: device.platform,
          created_at: device.createdAt,
          last_seen_at: device.lastSeenAt,
        })
        .onConflict((oc) =>
          oc.column('token').doUpdateSet({
            user_id: device.userId,
            platform: device.platform,
            last_seen_at: device.lastSeenAt,
          }),
        )
        .execute()
    },
    async listDevices(userId) {
      const rows = await db
        .selectFrom(t.devices)
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('token')
        .execute()
      return rows.map(toDevice)
    },
    async removeDevices(tokens) {
      if (tokens.length === 0) return 0
      const result = await db
        .deleteFrom(t.devices)
        .where('token', 'in', [...tokens])
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    async touchDevice(token, now) {
      await db.updateTable(t.devices).set({ last_seen_at: now }).where('token', '=', token).execute()
    },
    async pruneDevices(before) {
      const result = await db.deleteFrom(t.devices).where('last_seen_at', '<', before).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    async addInboxItem(item) {
      await db
        .insertInto(t.inbox)
        .values({
          id: item.id,
          user_id: item.userId,
          title: item.title ?? null,
          body: item.body,
          category: item.category ?? null,
          data: item.data ? JSON.stringify(item.data) : null,
          created_at: item.createdAt,
          read_at: item.readAt ?? null,
        })
        .execute()
    },
    async listInbox(userId, query) {
      let builder = db.selectFrom(t.inbox).selectAll().where('user_id', '=', userId)
      if (query.unreadOnly) builder = builder.where('read_at', 'is', null)
      const rows = await builder
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit)
        .execute()
      return rows.map(toInbox)
    },
    async unreadCount(userId) {
      const row = await db
        .selectFrom(t.inbox)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },
    async markRead(userId, ids, now) {
      if (ids.length === 0) return 0
      const result = await db
        .updateTable(t.inbox)
        .set({ read_at: now })
        .where('user_id', '=', userId)
        .where('id', 'in', [...ids])
        .where('read_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    async markAllRead(userId, now) {
      const result = await db
        .updateTable(t.inbox)
        .set({ read_at: now })
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    async enqueueOutbox(rows, enqueueOptions) {
      if (rows.length === 0) return
      const executor = enqueueOptions?.trx ?? db
      await executor
        .insertInto(t.outbox)
        .values(
          rows.map((row) => ({
            id: row.id,
            message: JSON.stringify(row.message),
            idempotency_key: row.idempotencyKey,
            state: row.state,
            attempts: row.attempts,
            available_at: row.availableAt,
            lease_owner: row.leaseOwner ?? null,
            lease_until: row.leaseUntil ?? null,
            created_at: row.createdAt,
          })),
        )
        .execute()
    },
    async claimOutbox(claim) {
      return db.transaction().execute(async (trx) => {
        let select = trx
          .selectFrom(t.outbox)
          .select('id')
          .where('state', '=', 'pending')
          .where('available_at', '<=', claim.now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', claim.now)]))
          .orderBy('available_at')
          .orderBy('id')
          .limit(claim.limit)
        if (postgres) select = select.forUpdate().skipLocked()
        const ids = (await select.execute()).map((row) => String(row.id))
        if (ids.length === 0) return []
        const rows = await trx
          .updateTable(t.outbox)
          .set((eb) => ({
            lease_owner: claim.owner,
            lease_until: claim.now + claim.leaseMs,
            attempts: eb('attempts', '+', 1),
          }))
          .where('id', 'in', ids)
          .returningAll()
          .execute()
        return rows.map(toOutbox).sort((a, b) => a.availableAt - b.availableAt || (a.id < b.id ? -1 : 1))
      })
    },
    async finishOutbox(id, owner, state) {
      const result = await db
        .updateTable(t.outbox)
        .set({ state, lease_until: null })
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .where('state', '=', 'pending')
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    async releaseOutbox(id, owner, availableAt) {
      await db
        .updateTable(t.outbox)
        .set({ available_at: availableAt, lease_until: null, lease_owner: null })
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .where('state', '=', 'pending')
        .execute()
    },
    async outboxCounts() {
      const rows = await db
        .selectFrom(t.outbox)
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .groupBy('state')
        .execute()
      const counts = { pending: 0, done: 0, failed: 0 }
      for (const row of rows) counts[row.state as OutboxRecord['state']] = Number(row.n)
      return counts
    },
    async disableEndpoint(url, reason, now) {
      await db
        .insertInto(t.disabledEndpoints)
        .values({ url, reason, disabled_at: now })
        .onConflict((oc) => oc.column('url').doNothing())
        .execute()
    },
    async isEndpointDisabled(url) {
      const row = await db
        .selectFrom(t.disabledEndpoints)
        .select('url')
        .where('url', '=', url)
        .executeTakeFirst()
      return row !== undefined
    },
    async enableEndpoint(url) {
      const result = await db.deleteFrom(t.disabledEndpoints).where('url', '=', url).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
    async listDisabledEndpoints() {
      const rows = await db
        .selectFrom(t.disabledEndpoints)
        .selectAll()
        .orderBy('disabled_at', 'desc')
        .execute()
      return rows.map((row) => ({
        url: String(row.url),
        reason: String(row.reason),
        disabledAt: Number(row.disabled_at),
      }))
    },
    close: () => sendPath.close(),
  }
}
