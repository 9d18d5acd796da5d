import { DEFAULT_TABLE_PREFIX, type HostDatabase, type Logger, migrate, noopLogger } from '@opskit/core'
import type {
  RedeemRecord,
  ReportsStore,
  RunFilter,
  RunOutcome,
  RunRecord,
  ScheduleRecord,
  TokenRecord,
} from '../reports-store.js'
import { reportsMigrations, reportsTables } from './migrations.js'

type Raw = Record<string, unknown>
const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value))
const date = (value: unknown) => new Date(Number(value))
const dateOrNull = (value: unknown) =>
  value === null || value === undefined ? null : new Date(Number(value))
const strOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value))

function toRun(row: Raw): RunRecord {
  return {
    id: String(row.id),
    report: String(row.report),
    format: String(row.format),
    params: JSON.parse(String(row.params)) as Record<string, unknown>,
    status: row.status as RunRecord['status'],
    rows: num(row.rows),
    bytes: num(row.bytes),
    sha256: strOrNull(row.sha256),
    durationMs: num(row.duration_ms),
    error: strOrNull(row.error),
    storageKey: strOrNull(row.storage_key),
    filename: String(row.filename),
    contentType: String(row.content_type),
    scheduleId: strOrNull(row.schedule_id),
    startedAt: date(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
  }
}

function toToken(row: Raw): TokenRecord {
  const token: TokenRecord = {
    tokenHash: String(row.token_hash),
    artifactId: String(row.artifact_id),
    expiresAt: date(row.expires_at),
    maxDownloads: num(row.max_downloads),
    downloadCount: num(row.download_count),
    bindIp: strOrNull(row.bind_ip),
    revokedAt: dateOrNull(row.revoked_at),
    createdAt: date(row.created_at),
  }
  if (row.storage_key === null || row.storage_key === undefined) return token
  return {
    ...token,
    object: {
      storageKey: String(row.storage_key),
      filename: String(row.filename),
      contentType: String(row.content_type),
    },
  }
}

function toSchedule(row: Raw): ScheduleRecord {
  return {
    id: String(row.id),
    report: String(row.report),
    params: JSON.parse(String(row.params)) as Record<string, unknown>,
    cron: String(row.cron),
    timeZone: String(row.timezone),
    format: String(row.format),
    deliverTo:
      row.deliver_to === null || row.deliver_to === undefined ? null : JSON.parse(String(row.deliver_to)),
    nextRunAt: date(row.next_run_at),
    enabled: num(row.enabled) === 1,
    createdAt: date(row.created_at),
  }
}

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
  const db = options.db
  return {
    async close() {
      // The database belongs to the host (or to createReports, which destroys what it opened).
    },
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
  }
}
