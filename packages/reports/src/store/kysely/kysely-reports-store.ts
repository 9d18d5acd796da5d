import { DEFAULT_TABLE_PREFIX, type HostDatabase, type Logger, migrate, noopLogger } from '@opskit/core'
import type { ReportsStore, RunFilter, RunOutcome } from '../reports-store.js'
import { linkMethods } from './kysely-link-methods.js'
import { retentionMethods } from './kysely-retention-methods.js'
import { scheduleMethods } from './kysely-schedule-methods.js'
import { type ReportsTables, reportsMigrations, reportsTables } from './migrations.js'
import { DELETING, type Raw, toRun } from './rows.js'

/** Options of {@link createKyselyReportsStore}. */
export interface KyselyReportsStoreOptions {
  /** The host's database (SQLite or PostgreSQL); the store never closes it. */
  db: HostDatabase
  /** Table prefix. @default DEFAULT_TABLE_PREFIX of `@opskit/core` (`'opskit_'`) */
  tablePrefix?: string
  /** Logs the migrations it applies. @default noopLogger */
  logger?: Logger
}

/**
 * The reports store on the host's Kysely database (SQLite or PostgreSQL): tables
 * `<prefix>reports_*`, migrated through core `migrate` (namespace `reports`) before the promise
 * resolves (the migrations it applied are logged). `close()` releases nothing of the host's: the `db` stays open.
 *
 * @example
 * ```ts
 * const reports = await createReports({ db, store: await createKyselyReportsStore({ db }) })
 * ```
 */
export async function createKyselyReportsStore(options: KyselyReportsStoreOptions): Promise<ReportsStore> {
  const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX
  const { applied } = await migrate(options.db, {
    namespace: 'reports',
    migrations: reportsMigrations,
    tablePrefix: prefix,
  })
  if (applied.length > 0) (options.logger ?? noopLogger).info({ applied }, 'reports migrations applied')
  const t = reportsTables(prefix)
  return {
    async close() {
      // The database belongs to the host (or to createReports, which destroys what it opened).
    },
    ...runMethods(options.db, t),
    ...linkMethods(options.db, t),
    ...scheduleMethods(options.db, t),
    ...retentionMethods(options.db, t),
  }
}

/** Run history: insert, finish once, fail stale runs, read and list; every query per tenant. */
function runMethods(db: HostDatabase, t: ReportsTables) {
  return {
    async insertRun(run) {
      await db
        .insertInto(t.runs)
        .values({
          id: run.id,
          tenant_id: run.tenantId,
          report: run.report,
          format: run.format,
          params: JSON.stringify(run.params),
          status: run.status,
          rows: run.rows,
          bytes: run.bytes,
          sha256: run.sha256,
          duration_ms: run.durationMs,
          error: run.error,
          storage_key: run.storageKey,
          filename: run.filename,
          content_type: run.contentType,
          schedule_id: run.scheduleId,
          started_at: run.startedAt.getTime(),
          finished_at: run.finishedAt?.getTime() ?? null,
        })
        .execute()
    },
    async finishRun(tenantId: string, id: string, outcome: RunOutcome) {
      const result = await db
        .updateTable(t.runs)
        .set({
          status: outcome.status,
          rows: outcome.rows,
          bytes: outcome.bytes,
          sha256: outcome.sha256,
          duration_ms: outcome.durationMs,
          error: outcome.error,
          finished_at: outcome.finishedAt.getTime(),
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '=', 'running')
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    async failStaleRuns(startedBefore, error, at, tenantId) {
      let query = db
        .updateTable(t.runs)
        .set({ status: 'failed', error, finished_at: at.getTime() })
        .where('status', '=', 'running')
        .where('started_at', '<', startedBefore.getTime())
      if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId)
      const result = await query.executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    async getRun(tenantId, id) {
      const row = await db
        .selectFrom(t.runs)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('status', '!=', DELETING)
        .executeTakeFirst()
      return row ? toRun(row as Raw) : undefined
    },
    async listRuns(tenantId: string, filter: RunFilter) {
      let query = db
        .selectFrom(t.runs)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('status', '!=', DELETING)
      if (filter.report) query = query.where('report', '=', filter.report)
      if (filter.scheduleId) query = query.where('schedule_id', '=', filter.scheduleId)
      if (filter.from) query = query.where('started_at', '>=', filter.from.getTime())
      if (filter.to) query = query.where('started_at', '<', filter.to.getTime())
      const rows = await query
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100)
        .execute()
      return rows.map((row) => toRun(row as Raw))
    },
  } satisfies Partial<ReportsStore>
}
