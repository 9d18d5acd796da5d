// Row decoding of the Kysely reports store: numbers and instants come back as strings or
// bigints from some drivers, JSON columns as text.
import type { RedeemRecord, RunRecord, ScheduleRecord, TokenRecord } from '../reports-store.js'

/** The status of a run row that retention has marked for deletion (never returned by reads). */
export const DELETING = 'deleting'

/** A row as the database driver returns it. */
export type Raw = Record<string, unknown>
export const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value))
export const date = (value: unknown) => new Date(Number(value))
export const dateOrNull = (value: unknown) =>
  value === null || value === undefined ? null : new Date(Number(value))
export const strOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value))

/** Decodes a `reports_runs` row. */
export function toRun(row: Raw): RunRecord {
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id ?? ''),
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

/** Decodes a `reports_tokens` row; `object` only for a link to a stored object. */
export function toToken(row: Raw): TokenRecord {
  const token: TokenRecord = {
    tokenHash: String(row.token_hash),
    tenantId: String(row.tenant_id ?? ''),
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

/** Decodes a `reports_schedules` row. */
export function toSchedule(row: Raw): ScheduleRecord {
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id ?? ''),
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

/** Decodes a `reports_redeems` row. */
export function toRedeem(row: Raw): RedeemRecord {
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id ?? ''),
    tokenHash: String(row.token_hash),
    artifactId: strOrNull(row.artifact_id),
    ip: strOrNull(row.ip),
    userAgent: strOrNull(row.user_agent),
    outcome: String(row.outcome),
    at: date(row.at),
  }
}
