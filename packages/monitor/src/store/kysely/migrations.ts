import type { MigrationSet } from '@opskit/core'
import type { Kysely } from 'kysely'

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
})
