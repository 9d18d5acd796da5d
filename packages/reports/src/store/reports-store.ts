/** Lifecycle of a report run. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled'

/** One report run; a succeeded run is an artifact (its id is the `artifactId`). */
export interface RunRecord {
  id: string
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

/**
 * Persistence of runs, download tokens, redeems and schedules. The Kysely store (SQLite,
 * PostgreSQL) and the memory store (`@opskit/reports/testing`) implement it and pass
 * `runReportsStoreConformance`. Reads of something that does not exist return `undefined`.
 */
export interface ReportsStore {
  /** Releases what the store opened (idempotent); a host-owned database stays open. */
  close(): Promise<void>
  insertRun(run: RunRecord): Promise<void>
  /** Records the end of a running run; returns false if it was not running. */
  finishRun(id: string, outcome: RunOutcome): Promise<boolean>
  /** Marks runs still `running` that started before `startedBefore` as failed; returns how many. */
  failStaleRuns(startedBefore: Date, error: string, at: Date): Promise<number>
  getRun(id: string): Promise<RunRecord | undefined>
  listRuns(filter: RunFilter): Promise<RunRecord[]>
  insertToken(token: TokenRecord): Promise<void>
  getToken(tokenHash: string): Promise<TokenRecord | undefined>
  /**
   * Counts one download with ONE conditional update: succeeds only if the token exists, is not
   * revoked or expired at `now`, is under its limit and (if bound) `ip` matches.
   */
  consumeToken(tokenHash: string, now: Date, ip: string | null): Promise<boolean>
  revokeToken(tokenHash: string, at: Date): Promise<void>
  recordRedeem(redeem: RedeemRecord): Promise<void>
  listRedeems(filter: { artifactId?: string; tokenHash?: string }): Promise<RedeemRecord[]>
  insertSchedule(schedule: ScheduleRecord): Promise<void>
  getSchedule(id: string): Promise<ScheduleRecord | undefined>
  listSchedules(): Promise<ScheduleRecord[]>
  /** Enabled schedules whose next run is at or before `now`, oldest first. */
  dueSchedules(now: Date, limit: number): Promise<ScheduleRecord[]>
  /** Claims one (schedule, slot): true for exactly one caller across all instances. */
  claimSlot(scheduleId: string, slot: Date, claimedAt: Date): Promise<boolean>
  /** Links a claimed slot to the run it started. */
  setSlotRun(scheduleId: string, slot: Date, runId: string): Promise<void>
  /** Moves `nextRunAt` forward only if it still equals `expected`; true when it did. */
  advanceSchedule(id: string, expected: Date, next: Date): Promise<boolean>
  setScheduleEnabled(id: string, enabled: boolean): Promise<void>
  deleteSchedule(id: string): Promise<void>
}
