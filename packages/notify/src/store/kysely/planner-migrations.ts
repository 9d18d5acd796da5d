import { dialectOf } from '@opskit/core/internal'
import { type Kysely, type Migration, sql } from 'kysely'
import type { notifyTables } from './migrations.js'

// biome-ignore lint/suspicious/noExplicitAny: migrations run on the host's schema-less Kysely
type AnyDb = Kysely<any>
type Tables = ReturnType<typeof notifyTables>

/**
 * `0006_user_index_partial`: only notifications sent to a user go into the delivery log's per-user
 * index (the only query by user names one, and `user_id = ?` implies the index's condition). A
 * send without a user then writes no entry there: with each tenant's rows appended at its own
 * place of a tenant-led index, a group commit of sends in ten tenants dirtied up to ten leaf
 * pages where one tenant dirtied one (issue 21).
 */
export function userIndexMigration(t: Tables): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.dropIndex(`${t.notifications}_tenant_user_idx`).execute()
      await db.schema
        .createIndex(`${t.notifications}_tenant_user_idx`)
        .on(t.notifications)
        .columns(['tenant_id', 'user_id', 'created_at'])
        .where('user_id', 'is not', null)
        .execute()
    },
  }
}

/**
 * `0007_tenant_statistics` (PostgreSQL): the planner multiplies the selectivities of `tenant_id`
 * and `user_id` as if they were independent, so a user's rows in a tenant were estimated at a
 * tenth of what they are with ten tenants, and the plan of `inbox.list` changed once autoanalyze
 * had run (issue 21). A user lives in one tenant: a functional-dependency statistic tells the
 * planner so. SQLite needs none (its estimates are per index prefix).
 */
export function tenantStatisticsMigration(t: Tables): Migration {
  return {
    async up(db: AnyDb) {
      if (dialectOf(db) !== 'postgres') return
      for (const table of [t.inbox, t.notifications, t.devices]) {
        const name = sql.id(`${table}_tenant_user_stats`)
        await sql`CREATE STATISTICS IF NOT EXISTS ${name} (dependencies) ON tenant_id, user_id FROM ${sql.table(table)}`.execute(
          db,
        )
      }
    },
  }
}

/**
 * `0008_inbox_list_order`: the inbox's per-user index in list order, `(tenant_id, user_id,
 * created_at, id)`. With `read_at` between user and time (0005), a list fetched every unread row of
 * the user and sorted them for the first page; PostgreSQL also chose between an index scan and a
 * bitmap scan by the tenant column's physical order (a constant `''` untenanted, scattered with
 * tenants), so the same list planned differently per mode (issue 21). In list order the scan stops
 * after one page of unread rows (`read_at is null` is checked on the rows it reads), in both modes.
 */
export function inboxListOrderMigration(t: Tables): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.dropIndex(`${t.inbox}_tenant_user_idx`).execute()
      await db.schema
        .createIndex(`${t.inbox}_tenant_user_idx`)
        .on(t.inbox)
        .columns(['tenant_id', 'user_id', 'created_at', 'id'])
        .execute()
    },
  }
}
