import type { MigrationSet } from '@opskit/core'
import type { Kysely, Migration } from 'kysely'
import {
  inboxListOrderMigration,
  tenantStatisticsMigration,
  userIndexMigration,
} from './planner-migrations.js'
import { tenancyMigration } from './tenancy-migration.js'

/** The table names of the notify store for a prefix. */
export function notifyTables(prefix: string) {
  return {
    notifications: `${prefix}notify_notifications`,
    preferences: `${prefix}notify_preferences`,
    devices: `${prefix}notify_devices`,
    inbox: `${prefix}notify_inbox`,
    outbox: `${prefix}notify_outbox`,
    disabledEndpoints: `${prefix}notify_disabled_endpoints`,
    providerMessages: `${prefix}notify_provider_messages`,
    templates: `${prefix}notify_templates`,
  }
}

/** The notify store's migrations, run by `migrate(db, { namespace: 'notify', migrations: notifyMigrations })`. */
export const notifyMigrations: MigrationSet = (prefix) => {
  const t = notifyTables(prefix)
  const initial: Migration = {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run on the host's schema-less Kysely
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.notifications)
        .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
        .addColumn('idempotency_key', 'varchar(300)', (col) => col.notNull().unique())
        .addColumn('user_id', 'varchar(300)')
        .addColumn('category', 'varchar(200)')
        .addColumn('state', 'varchar(16)', (col) => col.notNull())
        .addColumn('deliveries', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute()
      await db.schema
        .createIndex(`${t.notifications}_user_idx`)
        .on(t.notifications)
        .columns(['user_id', 'created_at'])
        .execute()
      await db.schema
        .createTable(t.preferences)
        .addColumn('user_id', 'varchar(300)', (col) => col.primaryKey())
        .addColumn('preferences', 'text', (col) => col.notNull())
        .execute()
      await db.schema
        .createTable(t.devices)
        .addColumn('token', 'varchar(4096)', (col) => col.primaryKey())
        .addColumn('user_id', 'varchar(300)', (col) => col.notNull())
        .addColumn('platform', 'varchar(16)', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
        .execute()
      await db.schema.createIndex(`${t.devices}_user_idx`).on(t.devices).column('user_id').execute()
      await db.schema
        .createTable(t.inbox)
        .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
        .addColumn('user_id', 'varchar(300)', (col) => col.notNull())
        .addColumn('title', 'text')
        .addColumn('body', 'text', (col) => col.notNull())
        .addColumn('category', 'varchar(200)')
        .addColumn('data', 'text')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('read_at', 'bigint')
        .execute()
      await db.schema
        .createIndex(`${t.inbox}_user_idx`)
        .on(t.inbox)
        .columns(['user_id', 'read_at', 'created_at'])
        .execute()
      await db.schema
        .createTable(t.outbox)
        .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
        .addColumn('message', 'text', (col) => col.notNull())
        .addColumn('idempotency_key', 'varchar(300)', (col) => col.notNull())
        .addColumn('state', 'varchar(16)', (col) => col.notNull())
        .addColumn('attempts', 'integer', (col) => col.notNull())
        .addColumn('available_at', 'bigint', (col) => col.notNull())
        .addColumn('lease_owner', 'varchar(100)')
        .addColumn('lease_until', 'bigint')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .execute()
      await db.schema
        .createIndex(`${t.outbox}_pending_idx`)
        .on(t.outbox)
        .columns(['state', 'available_at'])
        .execute()
    },
  }
  const disabledEndpoints: Migration = {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run on the host's schema-less Kysely
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.disabledEndpoints)
        .addColumn('url', 'varchar(2048)', (col) => col.primaryKey())
        .addColumn('reason', 'varchar(200)', (col) => col.notNull())
        .addColumn('disabled_at', 'bigint', (col) => col.notNull())
        .execute()
    },
  }
  const providerMessages: Migration = {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run on the host's schema-less Kysely
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.providerMessages)
        .addColumn('provider', 'varchar(100)', (col) => col.notNull())
        .addColumn('provider_message_id', 'varchar(300)', (col) => col.notNull())
        .addColumn('notification_id', 'varchar(64)', (col) => col.notNull())
        .addPrimaryKeyConstraint(`${t.providerMessages}_pk`, ['provider', 'provider_message_id'])
        .execute()
    },
  }
  const templates: Migration = {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run on the host's schema-less Kysely
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.templates)
        .addColumn('kind', 'varchar(16)', (col) => col.notNull())
        .addColumn('name', 'varchar(200)', (col) => col.notNull())
        .addColumn('channel', 'varchar(16)', (col) => col.notNull())
        .addColumn('locale', 'varchar(40)', (col) => col.notNull())
        .addColumn('body', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint(`${t.templates}_pk`, ['kind', 'name', 'channel', 'locale'])
        .execute()
    },
  }
  return {
    '0001_initial': initial,
    '0002_disabled_endpoints': disabledEndpoints,
    '0003_provider_messages': providerMessages,
    '0004_templates': templates,
    '0005_tenancy': tenancyMigration(t),
    '0006_user_index_partial': userIndexMigration(t),
    '0007_tenant_statistics': tenantStatisticsMigration(t),
    '0008_inbox_list_order': inboxListOrderMigration(t),
  }
}
