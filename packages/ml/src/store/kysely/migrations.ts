import type { Kysely, Migration } from 'kysely'

/** Migrations of `@opskit/ml`: one table of model documents keyed by name. */
export function mlMigrations(prefix: string): Record<string, Migration> {
  return {
    '001_models': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(`${prefix}ml_models`)
          .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
          .addColumn('document', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(`${prefix}ml_models`).execute()
      },
    },
  }
}
