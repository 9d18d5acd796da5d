import type { Kysely } from 'kysely'

/** Table names of the persisted history under a prefix. */
export function historyTables(prefix: string) {
  return {
    sloMinutes: `${prefix}monitor_slo_minutes`,
    sloHours: `${prefix}monitor_slo_hours`,
    history: `${prefix}monitor_history`,
  }
}

/**
 * The history's migrations, part of the monitor's set: `0003_slo_counts` (SLO counts per
 * minute and instance, and per hour) and `0005_history` (recording rules' results: raw samples,
 * minute and hour aggregates in one table, `step` 0, 60,000 or 3,600,000).
 */
export function historyMigrations(prefix: string) {
  const t = historyTables(prefix)
  return {
    '0003_slo_counts': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(t.sloMinutes)
          .addColumn('slo', 'varchar(255)', (c) => c.notNull())
          .addColumn('bucket', 'bigint', (c) => c.notNull())
          .addColumn('instance', 'varchar(64)', (c) => c.notNull())
          .addColumn('good', 'double precision', (c) => c.notNull())
          .addColumn('total', 'double precision', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t.sloMinutes}_pk`, ['slo', 'bucket', 'instance'])
          .execute()
        await db.schema.createIndex(`${t.sloMinutes}_bucket`).on(t.sloMinutes).column('bucket').execute()
        await db.schema
          .createTable(t.sloHours)
          .addColumn('slo', 'varchar(255)', (c) => c.notNull())
          .addColumn('bucket', 'bigint', (c) => c.notNull())
          .addColumn('good', 'double precision', (c) => c.notNull())
          .addColumn('total', 'double precision', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t.sloHours}_pk`, ['slo', 'bucket'])
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(t.sloHours).execute()
        await db.schema.dropTable(t.sloMinutes).execute()
      },
    },
    '0005_history': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(t.history)
          .addColumn('metric', 'varchar(255)', (c) => c.notNull())
          .addColumn('step', 'bigint', (c) => c.notNull())
          .addColumn('bucket', 'bigint', (c) => c.notNull())
          .addColumn('series', 'text', (c) => c.notNull())
          .addColumn('v_last', 'double precision', (c) => c.notNull())
          .addColumn('v_last_at', 'bigint', (c) => c.notNull())
          .addColumn('v_min', 'double precision', (c) => c.notNull())
          .addColumn('v_max', 'double precision', (c) => c.notNull())
          .addColumn('v_sum', 'double precision', (c) => c.notNull())
          .addColumn('v_count', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t.history}_pk`, ['metric', 'step', 'bucket', 'series'])
          .execute()
        await db.schema
          .createIndex(`${t.history}_step_bucket`)
          .on(t.history)
          .columns(['step', 'bucket'])
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(t.history).execute()
      },
    },
  }
}
