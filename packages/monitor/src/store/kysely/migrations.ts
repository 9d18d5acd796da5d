import type { MigrationSet } from '@opskit/core'
import { type Kysely, sql } from 'kysely'
import { historyMigrations } from './history-migrations.js'

/** The monitor's migrations (namespace `monitor`). */
export const monitorMigrations: MigrationSet = (prefix) => ({
  '0001_state': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable(`${prefix}monitor_state`)
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('id', 'varchar(512)', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${prefix}monitor_state_pk`, ['kind', 'id'])
        .execute()
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable(`${prefix}monitor_state`).execute()
    },
  },
  '0002_rules_incidents_leader': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable(`${prefix}monitor_rules`)
        .addColumn('name', 'varchar(512)', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable(`${prefix}monitor_incidents`)
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('group_key', 'text', (c) => c.notNull())
        .addColumn('receiver', 'varchar(512)', (c) => c.notNull())
        .addColumn('triggered_at', 'bigint', (c) => c.notNull())
        .addColumn('resolved_at', 'bigint')
        .addColumn('body', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex(`${prefix}monitor_incidents_tenant_triggered`)
        .on(`${prefix}monitor_incidents`)
        .columns(['tenant_id', 'triggered_at'])
        .execute()
      await db.schema
        .createIndex(`${prefix}monitor_incidents_status_resolved`)
        .on(`${prefix}monitor_incidents`)
        .columns(['status', 'resolved_at'])
        .execute()
      await db.schema
        .createTable(`${prefix}monitor_leader`)
        .addColumn('name', 'varchar(512)', (c) => c.primaryKey())
        .addColumn('holder', 'varchar(64)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute()
      await moveIncidentDocuments(db, prefix)
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable(`${prefix}monitor_leader`).execute()
      await db.schema.dropTable(`${prefix}monitor_incidents`).execute()
      await db.schema.dropTable(`${prefix}monitor_rules`).execute()
    },
  },
  ...historyMigrations(prefix),
})

/** Moves the incidents 0001 kept as `incident` documents into their own table (tenant `''`). */
async function moveIncidentDocuments(db: Kysely<unknown>, prefix: string): Promise<void> {
  const state = sql.table(`${prefix}monitor_state`)
  const { rows } = await sql<{
    id: string
    body: string
  }>`select id, body from ${state} where kind = 'incident'`.execute(db)
  for (const row of rows) {
    const incident = JSON.parse(row.body) as {
      status: string
      groupKey: string
      receiver: string
      triggeredAt: number
      resolvedAt?: number
    }
    await sql`insert into ${sql.table(`${prefix}monitor_incidents`)}
      (id, tenant_id, status, group_key, receiver, triggered_at, resolved_at, body)
      values (${row.id}, '', ${incident.status}, ${incident.groupKey}, ${incident.receiver},
        ${incident.triggeredAt}, ${incident.resolvedAt ?? null}, ${row.body})`.execute(db)
  }
  await sql`delete from ${state} where kind = 'incident'`.execute(db)
}
