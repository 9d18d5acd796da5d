import { type CreateTableBuilder, type Kysely, type Migration, sql } from 'kysely'
import type { notifyTables } from './migrations.js'

// biome-ignore lint/suspicious/noExplicitAny: migrations run on the host's schema-less Kysely
type AnyDb = Kysely<any>
type Tables = ReturnType<typeof notifyTables>

/** A new table whose first column is `tenant_id`: `''` (`NO_TENANT`) for the rows written before. */
const tenantTable = (db: AnyDb, name: string) =>
  db.schema.createTable(name).addColumn('tenant_id', 'text', (col) => col.notNull().defaultTo(''))

/**
 * Replaces `table` with one created by `create` (whose keys include `tenant_id`), copying every
 * row with `tenant_id = ''`: the way to change a primary or unique key that SQLite cannot drop.
 */
async function rebuild(
  db: AnyDb,
  table: string,
  // biome-ignore lint/suspicious/noExplicitAny: the builder's table and column types are open
  create: (name: string) => CreateTableBuilder<any, any>,
  columns: readonly string[],
): Promise<void> {
  const next = `${table}_next`
  await create(next).execute()
  const list = sql.join(columns.map((column) => sql.ref(column)))
  await sql`insert into ${sql.table(next)} (${list}, tenant_id) select ${list}, '' from ${sql.table(table)}`.execute(
    db,
  )
  await db.schema.dropTable(table).execute()
  await db.schema.alterTable(next).renameTo(table).execute()
}

/**
 * `0005_tenancy`: a `tenant_id` column on every tenanted table; idempotency keys unique per
 * tenant, preferences, devices and templates keyed per tenant; indexes lead with `tenant_id`,
 * plus the `created_at`/`last_seen_at` indexes retention deletes by. Disabled webhook endpoints
 * stay global.
 */
export function tenancyMigration(t: Tables): Migration {
  return {
    async up(db: AnyDb) {
      await rebuild(
        db,
        t.notifications,
        (name) =>
          tenantTable(db, name)
            .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
            .addColumn('idempotency_key', 'varchar(300)', (col) => col.notNull())
            .addColumn('user_id', 'varchar(300)')
            .addColumn('category', 'varchar(200)')
            .addColumn('state', 'varchar(16)', (col) => col.notNull())
            .addColumn('deliveries', 'text', (col) => col.notNull())
            .addColumn('created_at', 'bigint', (col) => col.notNull())
            .addColumn('updated_at', 'bigint', (col) => col.notNull())
            .addUniqueConstraint(`${t.notifications}_tenant_key_uq`, ['tenant_id', 'idempotency_key']),
        ['id', 'idempotency_key', 'user_id', 'category', 'state', 'deliveries', 'created_at', 'updated_at'],
      )
      await db.schema
        .createIndex(`${t.notifications}_tenant_user_idx`)
        .on(t.notifications)
        .columns(['tenant_id', 'user_id', 'created_at'])
        .execute()
      await db.schema
        .createIndex(`${t.notifications}_created_idx`)
        .on(t.notifications)
        .column('created_at')
        .execute()
      await rebuild(
        db,
        t.preferences,
        (name) =>
          tenantTable(db, name)
            .addColumn('user_id', 'varchar(300)', (col) => col.notNull())
            .addColumn('preferences', 'text', (col) => col.notNull())
            .addPrimaryKeyConstraint(`${t.preferences}_tenant_pk`, ['tenant_id', 'user_id']),
        ['user_id', 'preferences'],
      )
      await rebuild(
        db,
        t.devices,
        (name) =>
          tenantTable(db, name)
            .addColumn('token', 'varchar(4096)', (col) => col.notNull())
            .addColumn('user_id', 'varchar(300)', (col) => col.notNull())
            .addColumn('platform', 'varchar(16)', (col) => col.notNull())
            .addColumn('created_at', 'bigint', (col) => col.notNull())
            .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
            .addPrimaryKeyConstraint(`${t.devices}_tenant_pk`, ['tenant_id', 'token']),
        ['token', 'user_id', 'platform', 'created_at', 'last_seen_at'],
      )
      await db.schema
        .createIndex(`${t.devices}_tenant_user_idx`)
        .on(t.devices)
        .columns(['tenant_id', 'user_id'])
        .execute()
      await db.schema.createIndex(`${t.devices}_last_seen_idx`).on(t.devices).column('last_seen_at').execute()
      await rebuild(
        db,
        t.templates,
        (name) =>
          tenantTable(db, name)
            .addColumn('kind', 'varchar(16)', (col) => col.notNull())
            .addColumn('name', 'varchar(200)', (col) => col.notNull())
            .addColumn('channel', 'varchar(16)', (col) => col.notNull())
            .addColumn('locale', 'varchar(40)', (col) => col.notNull())
            .addColumn('body', 'text', (col) => col.notNull())
            .addColumn('updated_at', 'bigint', (col) => col.notNull())
            .addPrimaryKeyConstraint(`${t.templates}_tenant_pk`, [
              'tenant_id',
              'kind',
              'name',
              'channel',
              'locale',
            ]),
        ['kind', 'name', 'channel', 'locale', 'body', 'updated_at'],
      )
      for (const table of [t.inbox, t.outbox, t.providerMessages]) {
        await db.schema
          .alterTable(table)
          .addColumn('tenant_id', 'text', (col) => col.notNull().defaultTo(''))
          .execute()
      }
      await db.schema.dropIndex(`${t.inbox}_user_idx`).execute()
      await db.schema
        .createIndex(`${t.inbox}_tenant_user_idx`)
        .on(t.inbox)
        .columns(['tenant_id', 'user_id', 'read_at', 'created_at'])
        .execute()
      await db.schema.createIndex(`${t.inbox}_created_idx`).on(t.inbox).column('created_at').execute()
      await db.schema.createIndex(`${t.outbox}_created_idx`).on(t.outbox).column('created_at').execute()
      await db.schema
        .createIndex(`${t.providerMessages}_notification_idx`)
        .on(t.providerMessages)
        .column('notification_id')
        .execute()
    },
  }
}
