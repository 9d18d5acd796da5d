import type { Kysely, Migration } from 'kysely'

/** Table names of the reports store for a prefix. */
export function reportsTables(prefix: string) {
  return {
    runs: `${prefix}reports_runs`,
    tokens: `${prefix}reports_tokens`,
    redeems: `${prefix}reports_redeems`,
    schedules: `${prefix}reports_schedules`,
    slots: `${prefix}reports_schedule_slots`,
  }
}

/** The table names of one prefix. */
export type ReportsTables = ReturnType<typeof reportsTables>

/** The reports store's migrations (run by `createReports` through core `migrate`). */
export function reportsMigrations(prefix: string): Record<string, Migration> {
  const t = reportsTables(prefix)
  return {
    '0001_reports': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(t.runs)
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('report', 'varchar(128)', (c) => c.notNull())
          .addColumn('format', 'varchar(32)', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(16)', (c) => c.notNull())
          .addColumn('rows', 'bigint', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('sha256', 'varchar(64)')
          .addColumn('duration_ms', 'bigint', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('storage_key', 'varchar(255)')
          .addColumn('filename', 'varchar(255)', (c) => c.notNull())
          .addColumn('content_type', 'varchar(128)', (c) => c.notNull())
          .addColumn('schedule_id', 'varchar(64)')
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('finished_at', 'bigint')
          .execute()
        await db.schema
          .createIndex(`${t.runs}_report_idx`)
          .on(t.runs)
          .columns(['report', 'started_at'])
          .execute()
        await db.schema.createIndex(`${t.runs}_started_idx`).on(t.runs).column('started_at').execute()
        await db.schema
          .createTable(t.tokens)
          .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('artifact_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('max_downloads', 'integer', (c) => c.notNull())
          .addColumn('download_count', 'integer', (c) => c.notNull())
          .addColumn('bind_ip', 'varchar(64)')
          .addColumn('revoked_at', 'bigint')
          .addColumn('last_used_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute()
        await db.schema
          .createTable(t.redeems)
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('artifact_id', 'varchar(64)')
          .addColumn('ip', 'varchar(64)')
          .addColumn('user_agent', 'text')
          .addColumn('outcome', 'varchar(32)', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute()
        await db.schema.createIndex(`${t.redeems}_artifact_idx`).on(t.redeems).column('artifact_id').execute()
        await db.schema
          .createTable(t.schedules)
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('report', 'varchar(128)', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('cron', 'varchar(128)', (c) => c.notNull())
          .addColumn('timezone', 'varchar(64)', (c) => c.notNull())
          .addColumn('format', 'varchar(32)', (c) => c.notNull())
          .addColumn('deliver_to', 'text')
          .addColumn('next_run_at', 'bigint', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute()
        await db.schema
          .createIndex(`${t.schedules}_due_idx`)
          .on(t.schedules)
          .columns(['enabled', 'next_run_at'])
          .execute()
        await db.schema
          .createTable(t.slots)
          .addColumn('schedule_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('slot', 'bigint', (c) => c.notNull())
          .addColumn('run_id', 'varchar(64)')
          .addColumn('claimed_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t.slots}_pk`, ['schedule_id', 'slot'])
          .execute()
      },
      async down(db: Kysely<unknown>) {
        for (const table of [t.slots, t.schedules, t.redeems, t.tokens, t.runs]) {
          await db.schema.dropTable(table).ifExists().execute()
        }
      },
    },
    // Download links to any stored object: the object's storage key, file name and type.
    '0002_object_links': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable(t.tokens).addColumn('storage_key', 'varchar(255)').execute()
        await db.schema.alterTable(t.tokens).addColumn('filename', 'varchar(255)').execute()
        await db.schema.alterTable(t.tokens).addColumn('content_type', 'varchar(255)').execute()
      },
      async down(db: Kysely<unknown>) {
        for (const column of ['content_type', 'filename', 'storage_key'])
          await db.schema.alterTable(t.tokens).dropColumn(column).execute()
      },
    },
    // Tenancy (issue 21): every tenanted table gets tenant_id ('' = none); indexes lead with it.
    '0003_tenancy': tenancyMigration(t),
  }
}

/** Migration 0003: a `tenant_id` column on runs, tokens, redeems and schedules, and indexes for tenant and retention queries. */
function tenancyMigration(t: ReportsTables): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const table of [t.runs, t.tokens, t.redeems, t.schedules])
        await db.schema
          .alterTable(table)
          .addColumn('tenant_id', 'varchar(128)', (c) => c.notNull().defaultTo(''))
          .execute()
      await db.schema
        .createIndex(`${t.runs}_tenant_report_idx`)
        .on(t.runs)
        .columns(['tenant_id', 'report', 'started_at'])
        .execute()
      await db.schema
        .createIndex(`${t.runs}_tenant_started_idx`)
        .on(t.runs)
        .columns(['tenant_id', 'started_at'])
        .execute()
      await db.schema
        .createIndex(`${t.runs}_status_idx`)
        .on(t.runs)
        .columns(['status', 'finished_at'])
        .execute()
      await db.schema.createIndex(`${t.runs}_storage_key_idx`).on(t.runs).column('storage_key').execute()
      await db.schema
        .createIndex(`${t.redeems}_tenant_artifact_idx`)
        .on(t.redeems)
        .columns(['tenant_id', 'artifact_id'])
        .execute()
      await db.schema.createIndex(`${t.redeems}_at_idx`).on(t.redeems).column('at').execute()
      await db.schema.createIndex(`${t.tokens}_expires_idx`).on(t.tokens).column('expires_at').execute()
      await db.schema
        .createIndex(`${t.schedules}_tenant_idx`)
        .on(t.schedules)
        .columns(['tenant_id', 'created_at'])
        .execute()
    },
    async down(db: Kysely<unknown>) {
      for (const index of [
        `${t.schedules}_tenant_idx`,
        `${t.tokens}_expires_idx`,
        `${t.redeems}_at_idx`,
        `${t.redeems}_tenant_artifact_idx`,
        `${t.runs}_storage_key_idx`,
        `${t.runs}_status_idx`,
        `${t.runs}_tenant_started_idx`,
        `${t.runs}_tenant_report_idx`,
      ])
        await db.schema.dropIndex(index).ifExists().execute()
      for (const table of [t.schedules, t.redeems, t.tokens, t.runs])
        await db.schema.alterTable(table).dropColumn('tenant_id').execute()
    },
  }
}
