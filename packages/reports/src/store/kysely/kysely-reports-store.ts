import { DEFAULT_TABLE_PREFIX, type HostDatabase, type Logger, migrate, noopLogger } from '@opskit/core'
import type {
  RedeemRecord,
  ReportsStore,
  RunFilter,
  RunOutcome,
  ScheduleRecord,
  TokenRecord,
} from '../reports-store.js'
import { reportsMigrations, reportsTables } from './migrations.js'
import { date, type Raw, strOrNull, toRun, toSchedule, toToken } from './rows.js'

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
    ...tokenMethods(options.db, t),
    ...scheduleMethods(options.db, t),
  }
}

type Tables = ReturnType<typeof reportsTables>

/** Run history: insert, finish once, fail stale runs, read and list. */
function runMethods(db: HostDatabase, t: Tables) {
  return {
    async insertRun(run) {
      await db
        .insertInto(t.runs)
        .values({
          id: run.id,
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
    async finishRun(id: string, outcome: RunOutcome) {
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
        .where('id', '=', id)
        .where('status', '=', 'running')
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    async failStaleRuns(startedBefore, error, at) {
      const result = await db
        .updateTable(t.runs)
        .set({ status: 'failed', error, finished_at: at.getTime() })
        .where('status', '=', 'running')
        .where('started_at', '<', startedBefore.getTime())
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    async getRun(id) {
      const row = await db.selectFrom(t.runs).selectAll().where('id', '=', id).executeTakeFirst()
      return row ? toRun(row as Raw) : undefined
    },
    async listRuns(filter: RunFilter) {
      let query = db.selectFrom(t.runs).selectAll()
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

/** Download tokens (the one-update counter) and redeem records. */
function tokenMethods(db: HostDatabase, t: Tables) {
  return {
    async insertToken(token: TokenRecord) {
      await db
        .insertInto(t.tokens)
        .values({
          token_hash: token.tokenHash,
          artifact_id: token.artifactId,
          expires_at: token.expiresAt.getTime(),
          max_downloads: token.maxDownloads,
          download_count: token.downloadCount,
          bind_ip: token.bindIp,
          revoked_at: token.revokedAt?.getTime() ?? null,
          last_used_at: null,
          created_at: token.createdAt.getTime(),
          storage_key: token.object?.storageKey ?? null,
          filename: token.object?.filename ?? null,
          content_type: token.object?.contentType ?? null,
        })
        .execute()
    },
    async getToken(tokenHash) {
      const row = await db
        .selectFrom(t.tokens)
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row ? toToken(row as Raw) : undefined
    },
    async consumeToken(tokenHash, now, ip) {
      const result = await db
        .updateTable(t.tokens)
        .set((eb) => ({ download_count: eb('download_count', '+', 1), last_used_at: now.getTime() }))
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now.getTime())
        .where((eb) => eb('download_count', '<', eb.ref('max_downloads')))
        .where((eb) => eb.or([eb('bind_ip', 'is', null), eb('bind_ip', '=', ip ?? '')]))
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async revokeToken(tokenHash, at) {
      await db
        .updateTable(t.tokens)
        .set({ revoked_at: at.getTime() })
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .execute()
    },
    async recordRedeem(redeem: RedeemRecord) {
      await db
        .insertInto(t.redeems)
        .values({
          id: redeem.id,
          token_hash: redeem.tokenHash,
          artifact_id: redeem.artifactId,
          ip: redeem.ip,
          user_agent: redeem.userAgent,
          outcome: redeem.outcome,
          at: redeem.at.getTime(),
        })
        .execute()
    },
    async listRedeems(filter) {
      let query = db.selectFrom(t.redeems).selectAll()
      if (filter.artifactId) query = query.where('artifact_id', '=', filter.artifactId)
      if (filter.tokenHash) query = query.where('token_hash', '=', filter.tokenHash)
      const rows = await query.orderBy('at').orderBy('id').execute()
      return rows.map((row) => {
        const r = row as Raw
        return {
          id: String(r.id),
          tokenHash: String(r.token_hash),
          artifactId: strOrNull(r.artifact_id),
          ip: strOrNull(r.ip),
          userAgent: strOrNull(r.user_agent),
          outcome: String(r.outcome),
          at: date(r.at),
        }
      })
    },
  } satisfies Partial<ReportsStore>
}

/** Schedules, slot claims and conditional advances. */
function scheduleMethods(db: HostDatabase, t: Tables) {
  return {
    async insertSchedule(schedule: ScheduleRecord) {
      await db
        .insertInto(t.schedules)
        .values({
          id: schedule.id,
          report: schedule.report,
          params: JSON.stringify(schedule.params),
          cron: schedule.cron,
          timezone: schedule.timeZone,
          format: schedule.format,
          deliver_to: schedule.deliverTo === null ? null : JSON.stringify(schedule.deliverTo),
          next_run_at: schedule.nextRunAt.getTime(),
          enabled: schedule.enabled ? 1 : 0,
          created_at: schedule.createdAt.getTime(),
        })
        .execute()
    },
    async getSchedule(id) {
      const row = await db.selectFrom(t.schedules).selectAll().where('id', '=', id).executeTakeFirst()
      return row ? toSchedule(row as Raw) : undefined
    },
    async listSchedules() {
      const rows = await db.selectFrom(t.schedules).selectAll().orderBy('created_at').orderBy('id').execute()
      return rows.map((row) => toSchedule(row as Raw))
    },
    async dueSchedules(now, limit) {
      const rows = await db
        .selectFrom(t.schedules)
        .selectAll()
        .where('enabled', '=', 1)
        .where('next_run_at', '<=', now.getTime())
        .orderBy('next_run_at')
        .limit(limit)
        .execute()
      return rows.map((row) => toSchedule(row as Raw))
    },
    async claimSlot(scheduleId, slot, claimedAt) {
      const result = await db
        .insertInto(t.slots)
        .values({
          schedule_id: scheduleId,
          slot: slot.getTime(),
          run_id: null,
          claimed_at: claimedAt.getTime(),
        })
        .onConflict((oc) => oc.columns(['schedule_id', 'slot']).doNothing())
        .executeTakeFirst()
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
    },
    async setSlotRun(scheduleId, slot, runId) {
      await db
        .updateTable(t.slots)
        .set({ run_id: runId })
        .where('schedule_id', '=', scheduleId)
        .where('slot', '=', slot.getTime())
        .execute()
    },
    async advanceSchedule(id, expected, next) {
      const result = await db
        .updateTable(t.schedules)
        .set({ next_run_at: next.getTime() })
        .where('id', '=', id)
        .where('next_run_at', '=', expected.getTime())
        .executeTakeFirst()
      return Number(result.numUpdatedRows) === 1
    },
    async setScheduleEnabled(id, enabled) {
      await db
        .updateTable(t.schedules)
        .set({ enabled: enabled ? 1 : 0 })
        .where('id', '=', id)
        .execute()
    },
    async deleteSchedule(id) {
      await db.deleteFrom(t.slots).where('schedule_id', '=', id).execute()
      await db.deleteFrom(t.schedules).where('id', '=', id).execute()
    },
  } satisfies Partial<ReportsStore>
}
