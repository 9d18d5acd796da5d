/** Lifecycle of a report run. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled'

/** One report run; a succeeded run is an artifact (its id is the `artifactId`). */
export interface RunRecord {
  id: string
  /** The tenant that owns the run (`''` for none). */
  tenantId: string
  report: string
  format: string
  params: Record<string, unknown>
  status: RunStatus
  rows: number
  bytes: number
  sha256: string | null
  durationMs: number
  error: string | null
  storageKey: string | null
  filename: string
  contentType: string
  scheduleId: string | null
  startedAt: Date
  finishedAt: Date | null
}

/** How a run ended. */
export interface RunOutcome {
  status: Exclude<RunStatus, 'running'>
  rows: number
  bytes: number
  sha256: string | null
  durationMs: number
  error: string | null
  finishedAt: Date
}

/** Filter of {@link ReportsStore.listRuns}; results are newest first. */
export interface RunFilter {
  report?: string | undefined
  scheduleId?: string | undefined
  /** Runs started at or after. */
  from?: Date | undefined
  /** Runs started before. */
  to?: Date | undefined
  limit?: number | undefined
}

/** A stored object a download link points at directly (not a report run). */
export interface LinkedObject {
  /** Key of the object in the storage adapter. */
  storageKey: string
  /** File name offered to the browser. */
  filename: string
  /** MIME type sent with it. */
  contentType: string
}

/** A download token; only the SHA-256 of the token is kept. */
export interface TokenRecord {
  tokenHash: string
  /** The tenant that owns the link (`''` for none); only a redeem under it can use the token. */
  tenantId: string
  /** The report run it downloads, or the derived id of the stored object it downloads. */
  artifactId: string
  /** The stored object, for a link to any object the storage adapter holds; absent for a report run. */
  object?: LinkedObject
  expiresAt: Date
  maxDownloads: number
  downloadCount: number
  bindIp: string | null
  revokedAt: Date | null
  createdAt: Date
}

/** One redeem attempt, successful or not. */
export interface RedeemRecord {
  id: string
  /** The tenant the redeem was attempted under (`''` for none). */
  tenantId: string
  tokenHash: string
  artifactId: string | null
  ip: string | null
  userAgent: string | null
  /** `ok`, or why it was refused (`unknown`, `expired`, `exhausted`, `revoked`, `ip_mismatch`, `malformed`). */
  outcome: string
  at: Date
}

/** A stored schedule. */
export interface ScheduleRecord {
  id: string
  /** The tenant that owns the schedule and its runs (`''` for none). */
  tenantId: string
  report: string
  params: Record<string, unknown>
  cron: string
  timeZone: string
  format: string
  /** Delivery recipients (JSON-serialisable), if any. */
  deliverTo: unknown
  /** Next slot, in UTC. */
  nextRunAt: Date
  enabled: boolean
  createdAt: Date
}

/** A run marked for deletion by retention: its row stays (hidden) until its object is gone. */
export interface DeletingRun {
  tenantId: string
  id: string
  storageKey: string | null
}

/** Which runs one retention batch marks: finished runs matching the rule, of one tenant or all. */
export interface RunRetentionBatch {
  /** Only this tenant's runs; all tenants when undefined. */
  tenantId?: string | undefined
  /** Runs that finished before this instant (epoch ms). */
  cutoff?: number | undefined
  /** Keep the newest `keepLast` finished runs of each (tenant, report). */
  keepLast?: number | undefined
  /** At most this many rows. */
  limit: number
}

/** Kinds of plain rows (no storage object) that retention deletes in batches. */
export type ReportsRowKind = 'links' | 'redeems' | 'scheduleSlots'

/** One batch of {@link ReportsStore.deleteExpired}. */
export interface RowRetentionBatch {
  /** Only this tenant's rows; all tenants when undefined. */
  tenantId?: string | undefined
  /** Rows that ended (links), happened (redeems) or were due (slots) before this instant (epoch ms). */
  cutoff: number
  /** The run's clock: links still redeemable at `now` are never deleted. */
  now: number
  limit: number
}

/**
 * Persistence of runs, download tokens, redeems and schedules. The Kysely store (SQLite,
 * PostgreSQL) and the memory store (`@opskit/reports/testing`) implement it and pass
 * `runReportsStoreConformance`. Reads of something that does not exist return `undefined`.
 *
 * Tenancy: every method that reads or changes a tenant's rows takes the resolved `tenantId`
 * (`''` for none) and matches nothing of another tenant, by id or otherwise. Records written
 * carry their `tenantId`. Only operator-wide methods (`dueSchedules`, `failStaleRuns` and the
 * retention methods without a tenant) span tenants.
 */
export interface ReportsStore {
  /** Releases what the store opened (idempotent); a host-owned database stays open. */
  close(): Promise<void>
  insertRun(run: RunRecord): Promise<void>
  /** Records the end of a running run; returns false if it was not running. */
  finishRun(tenantId: string, id: string, outcome: RunOutcome): Promise<boolean>
  /**
   * Marks runs still `running` that started before `startedBefore` as failed (of `tenantId`, or
   * of every tenant when undefined); returns how many.
   */
  failStaleRuns(startedBefore: Date, error: string, at: Date, tenantId?: string): Promise<number>
  /** A run of the tenant; runs being deleted by retention are not returned. */
  getRun(tenantId: string, id: string): Promise<RunRecord | undefined>
  /** The tenant's runs, newest first; runs being deleted by retention are left out. */
  listRuns(tenantId: string, filter: RunFilter): Promise<RunRecord[]>
  insertToken(token: TokenRecord): Promise<void>
  getToken(tenantId: string, tokenHash: string): Promise<TokenRecord | undefined>
  /**
   * Counts one download with ONE conditional update: succeeds only if the token exists for
   * `tenantId`, is not revoked or expired at `now`, is under its limit and (if bound) `ip` matches.
   */
  consumeToken(tenantId: string, tokenHash: string, now: Date, ip: string | null): Promise<boolean>
  revokeToken(tenantId: string, tokenHash: string, at: Date): Promise<void>
  recordRedeem(redeem: RedeemRecord): Promise<void>
  listRedeems(tenantId: string, filter: { artifactId?: string; tokenHash?: string }): Promise<RedeemRecord[]>
  insertSchedule(schedule: ScheduleRecord): Promise<void>
  getSchedule(tenantId: string, id: string): Promise<ScheduleRecord | undefined>
  listSchedules(tenantId: string): Promise<ScheduleRecord[]>
  /** Enabled schedules of every tenant whose next run is at or before `now`, oldest first. */
  dueSchedules(now: Date, limit: number): Promise<ScheduleRecord[]>
  /** Claims one (schedule, slot): true for exactly one caller across all instances. */
  claimSlot(scheduleId: string, slot: Date, claimedAt: Date): Promise<boolean>
  /** Links a claimed slot to the run it started. */
  setSlotRun(scheduleId: string, slot: Date, runId: string): Promise<void>
  /** Moves `nextRunAt` forward only if it still equals `expected`; true when it did. */
  advanceSchedule(tenantId: string, id: string, expected: Date, next: Date): Promise<boolean>
  setScheduleEnabled(tenantId: string, id: string, enabled: boolean): Promise<void>
  /** Deletes the tenant's schedule and its slot claims (nothing for another tenant's id). */
  deleteSchedule(tenantId: string, id: string): Promise<void>
  /**
   * Retention, step 1 of 3: marks one batch of finished runs as being deleted (a tombstone:
   * hidden from `getRun`/`listRuns`, so no link can hand them out); returns how many.
   */
  markRunsDeleting(batch: RunRetentionBatch): Promise<number>
  /** Retention, step 2: runs marked for deletion (of `tenantId`, or all), whose objects go next. */
  runsBeingDeleted(options: { tenantId?: string | undefined; limit: number }): Promise<DeletingRun[]>
  /** Retention, step 3: deletes marked runs' rows once their objects are gone; returns how many. */
  deleteRunRows(runs: readonly Pick<DeletingRun, 'tenantId' | 'id'>[]): Promise<number>
  /** Which of `storageKeys` a run row (of any tenant, in any state) still names. */
  storageKeysInUse(storageKeys: readonly string[]): Promise<Set<string>>
  /**
   * Deletes one batch of `kind` rows (at most `limit`): links that can no longer be redeemed
   * (expired, revoked or used up) and ended before `cutoff`; redeem records older than
   * `cutoff`; slot claims before `cutoff` that their schedule has moved past. Returns how many.
   */
  deleteExpired(kind: ReportsRowKind, batch: RowRetentionBatch): Promise<number>
}
