import type { HostDatabase } from '@opskit/core'
import { sql } from 'kysely'
import type { NotifyRetentionKind, NotifyStore, RetentionBatchQuery } from '../notify-store.js'
import { retentionTransaction } from './retention-transaction.js'
import type { KyselyStoreContext } from './store-context.js'

/** Ids of at most `limit` expired rows of one table: the select part of one batch. */
async function expiredIds(
  db: HostDatabase,
  table: string,
  query: RetentionBatchQuery,
  filter: { timeColumn: string; states?: readonly string[] },
): Promise<string[]> {
  let select = db.selectFrom(table).select('id')
  if (query.tenantId !== undefined) select = select.where('tenant_id', '=', query.tenantId)
  if (filter.states) select = select.where('state', 'in', [...filter.states])
  if (query.cutoff !== undefined) select = select.where(filter.timeColumn, '<', query.cutoff)
  const rows = await select.limit(query.limit).execute()
  return rows.map((row) => String(row.id))
}

/**
 * Ids of at most `limit` inbox items beyond the newest `keepLast` of their user (and older than
 * the cutoff, when given). Read outside the write: new items only push these further down.
 */
async function inboxBeyondKeepLast(
  db: HostDatabase,
  table: string,
  query: RetentionBatchQuery & { keepLast: number },
): Promise<string[]> {
  const tenant = query.tenantId === undefined ? sql`` : sql`where tenant_id = ${query.tenantId}`
  const older = query.cutoff === undefined ? sql`` : sql`and created_at < ${query.cutoff}`
  const { rows } = await sql<{ id: unknown }>`
    select id from (
      select id, created_at,
        row_number() over (partition by tenant_id, user_id order by created_at desc, id desc) as position
      from ${sql.table(table)} ${tenant}
    ) ranked
    where position > ${query.keepLast} ${older}
    limit ${query.limit}`.execute(db)
  return rows.map((row) => String(row.id))
}

/** Deletes rows of `table` by id (one short statement); resolves to how many went. */
async function deleteIds(db: HostDatabase, table: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0
  const result = await db
    .deleteFrom(table)
    .where('id', 'in', [...ids])
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/**
 * `deleteExpired` of the Kysely store: each call one batch, its ids read by an indexed query
 * and deleted in one short transaction (`retentionTransaction`: on SQLite without an fsync of its own), so SQLite's write lock is held only for the delete and
 * PostgreSQL locks only the rows deleted (none a writer is using: `done`, `failed`, read items,
 * stale devices).
 */
export function retentionMethods(context: KyselyStoreContext): Pick<NotifyStore, 'deleteExpired'> {
  const { db, t, dialect } = context
  const batches: Record<NotifyRetentionKind, (query: RetentionBatchQuery) => Promise<number>> = {
    async deliveries(query) {
      const ids = await expiredIds(db, t.notifications, query, { timeColumn: 'created_at', states: ['done'] })
      if (ids.length === 0) return 0
      return retentionTransaction(db, dialect, async (trx) => {
        await trx.deleteFrom(t.providerMessages).where('notification_id', 'in', ids).execute()
        // still `done`: a row is never taken back from done, but the check keeps the rule local
        const result = await trx
          .deleteFrom(t.notifications)
          .where('id', 'in', ids)
          .where('state', '=', 'done')
          .executeTakeFirst()
        return Number(result.numDeletedRows)
      })
    },
    async inbox(query) {
      const ids =
        query.keepLast === undefined
          ? await expiredIds(db, t.inbox, query, { timeColumn: 'created_at' })
          : await inboxBeyondKeepLast(db, t.inbox, { ...query, keepLast: query.keepLast })
      if (ids.length === 0) return 0
      return retentionTransaction(db, dialect, (trx) => deleteIds(trx, t.inbox, ids))
    },
    async outbox(query) {
      const ids = await expiredIds(db, t.outbox, query, {
        timeColumn: 'created_at',
        states: ['done', 'failed'],
      })
      if (ids.length === 0) return 0
      const result = await retentionTransaction(db, dialect, (trx) =>
        trx
          .deleteFrom(t.outbox)
          .where('id', 'in', ids)
          .where('state', 'in', ['done', 'failed'])
          .executeTakeFirst(),
      )
      return Number(result.numDeletedRows)
    },
    async devices(query) {
      const cutoff = query.cutoff
      if (cutoff === undefined) return 0
      let select = db.selectFrom(t.devices).select('token').where('last_seen_at', '<', cutoff)
      if (query.tenantId !== undefined) select = select.where('tenant_id', '=', query.tenantId)
      const tokens = (await select.limit(query.limit).execute()).map((row) => String(row.token))
      if (tokens.length === 0) return 0
      // every row deleted is stale (and of the tenant, when given), whichever tenant's token it is
      const result = await retentionTransaction(db, dialect, (trx) => {
        let remove = trx.deleteFrom(t.devices).where('token', 'in', tokens).where('last_seen_at', '<', cutoff)
        if (query.tenantId !== undefined) remove = remove.where('tenant_id', '=', query.tenantId)
        return remove.executeTakeFirst()
      })
      return Number(result.numDeletedRows)
    },
  }
  return { deleteExpired: (kind, query) => batches[kind](query) }
}
