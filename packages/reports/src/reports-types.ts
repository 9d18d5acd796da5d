import type { Readable } from 'node:stream'
import type { Clock, HostDatabase, Logger, RetentionPolicy, RetentionReport, TenantMode } from '@opskit/core'
import type { ReportDefinition } from './definition/report-definition.js'
import type { ReportAuditHook, ReportNotifier } from './downloads/hooks.js'
import type { Renderer } from './render/renderer.js'
import type { ExportJob } from './runner/export-job.js'
import type { RunResult } from './runner/run-result.js'
import type { StorageAdapter } from './storage/storage-adapter.js'
import type { ReportsStore, RunRecord, ScheduleRecord } from './store/reports-store.js'

/** Options of `createReports`. */
export interface ReportsOptions {
  /** The host's database: report queries run on it (and, without `store`, the history lives there). */
  db: HostDatabase
  /**
   * Connection report queries stream from. Default on SQLite: a separate read-only connection
   * to the same file (so progress and history writes are not blocked); elsewhere `db`.
   */
  readDb?: HostDatabase
  /** Where artifacts go. @default filesystem under `<tmpdir>/opskit-reports` */
  storage?: StorageAdapter
  /**
   * Store for history, tokens and schedules, e.g. `await createKyselyReportsStore({ db })`; the
   * host closes it. @default a Kysely store on `db` that `createReports` creates and closes
   */
  store?: ReportsStore
  /** Table prefix of the Kysely store created on `db` (ignored with `store`). @default 'opskit_' */
  tablePrefix?: string
  /** IANA time zone for values shown to people and XLSX date cells. @default 'UTC' */
  timeZone?: string
  /** BCP 47 locale for values shown to people. @default 'en-US' */
  locale?: string
  /** Extra renderers (e.g. `createXlsxRenderer()`, `createPdfRenderer()`); CSV, NDJSON, JSON are built in. */
  renderers?: readonly Renderer[]
  /**
   * Base of download URLs: `${downloadBaseUrl}/${token}`; `{tenantId}` in it is replaced by the
   * link's tenant (URL-encoded), e.g. `https://ops.example.com/t/{tenantId}/downloads`.
   * @default '/reports/downloads'
   */
  downloadBaseUrl?: string
  /** Audit hook for download links and redeems (e.g. an `@opskit/audit` log). */
  audit?: ReportAuditHook
  /** Notifier used for scheduled deliveries when a schedule has none in this process. */
  notifier?: ReportNotifier
  /**
   * Tenancy of runs, links, redeems and schedules (see the README's "Tenancy"): `'off'` refuses
   * any `tenantId`, `'optional'` scopes calls without one to the rows stored without one,
   * `'required'` refuses calls without one (`REPORTS_TENANT_REQUIRED`). @default 'off'
   */
  tenantMode?: TenantMode
  /** How many exports run at once; more wait in a queue. @default 2 */
  exportConcurrency?: number
  /** Clock. @default systemClock */
  clock?: Clock
  /** Logger. @default noopLogger */
  logger?: Logger
}

/**
 * A report to run: its definition (the parameters are then typed by its schema; it is registered
 * on first use) or the name of a registered one (parameters checked at run time only).
 */
export type ReportRef<I = unknown> = ReportDefinition<unknown, I> | string

/** The tenant of a call (see `ReportsOptions.tenantMode`). */
export interface TenantOption {
  /** The tenant the call acts for; checked against `tenantMode`. */
  tenantId?: string
}

/** Options of `run` and `stream`. */
export interface RunOptions extends TenantOption {
  /** Output format: `csv`, `ndjson`, `json`, or one added through `renderers` (`xlsx`, `pdf`). */
  format: string
  /** Cancels the run. */
  signal?: AbortSignal
}

/** Input of `schedule`; its runs belong to `tenantId`. */
export interface ScheduleInput<I = unknown> extends TenantOption {
  /** The report (a definition, or the name of a registered one). */
  report: ReportRef<I>
  /** Its parameters (typed by the definition's schema when `report` is a definition). */
  params: I
  /** Cron expression (5 or 6 fields) evaluated in `timeZone`. */
  cron: string
  /** IANA time zone of the cron expression. @default the reports time zone */
  timeZone?: string
  format: string
  /** Send each artifact to `to` through `notifier`. */
  deliver?: ScheduleDelivery
}

/** Where a schedule sends its artifacts. */
export interface ScheduleDelivery {
  /** The notifier in this process. @default `ReportsOptions.notifier` */
  notifier?: ReportNotifier
  /** Recipients, passed to the notifier as given (JSON-serialisable: they are stored). */
  to: unknown
  /** Lifetime of the download link sent. @default 7 days */
  linkExpiresInMs?: number
}

/** Filter of `history` (the runs of `tenantId`). */
export interface HistoryFilter extends TenantOption {
  report?: string
  scheduleId?: string
  from?: Date
  to?: Date
  limit?: number
}

/** Input of `export`; the run belongs to `tenantId`. */
export interface ExportInput<I = unknown> extends TenantOption {
  /** The exported entity: a report definition, or the name of a registered one. */
  entity: ReportRef<I>
  /** Its parameters (typed by the definition's schema when `entity` is a definition). */
  filters?: I
  format: string
}

/** What `runDueSchedules` did. */
export interface DispatchResult {
  /** Runs this instance started (run ids). */
  started: string[]
  /** Slots another instance had already claimed. */
  skipped: number
}

/** Options of `startScheduler`. */
export interface SchedulerOptions {
  /** Time between two looks for due schedules. @default 30_000 */
  intervalMs?: number
}

/** A background loop started by a `start*()` method. */
export interface BackgroundLoop {
  /** Stops the loop and waits for the round in progress. Idempotent. */
  stop(): Promise<void>
}

/** Options of `createDownloadLink`; the link belongs to `tenantId` (and must name its run). */
export interface DownloadLinkOptions extends TenantOption {
  /** Lifetime in milliseconds (at least 1 s, at most 366 days). @default 3_600_000 (one hour) */
  expiresInMs?: number
  /** How many downloads the link allows. @default 1 */
  maxDownloads?: number
  /** Only this client IP may redeem the link. */
  bindIp?: string
}

/**
 * Any object the storage adapter holds (an invoice PDF, an upload), as a download link target:
 * its key, the file name offered to the browser and its MIME type.
 */
export interface StoredObjectTarget {
  /** Key of the object in the reports storage adapter. */
  storageKey: string
  /** File name offered to the browser (no control characters, `/` or `\`; at most 255 characters). */
  filename: string
  /** MIME type, e.g. `application/pdf`. */
  contentType: string
}

/** A download link; the token is shown only here. */
export interface DownloadLink {
  token: string
  url: string
  expiresAt: Date
  /** The report run it downloads, or the id derived from the stored object's key (`object-…`). */
  artifactId: string
}

/**
 * Who redeems a link, and under which tenant: the host passes the tenant its download route
 * names (e.g. `/t/:tenantId/downloads/:token`); a token of another tenant is refused exactly
 * like an unknown token.
 */
export interface RedeemClient extends TenantOption {
  ip?: string
  userAgent?: string
}

/** Kinds of records `applyRetention` removes (see the README's "Retention"). */
export type ReportsRetentionKind = 'runs' | 'links' | 'redeems' | 'scheduleSlots'

/** Options of `applyRetention` and `sweepOrphans`. */
export interface RetentionOptions extends TenantOption {
  /** Stops between two batches (what was removed stays removed). */
  signal?: AbortSignal
}

/** What `sweepOrphans` reconciled. */
export interface SweepReport {
  /** Runs left marked for deletion by an interrupted retention run, now removed with their objects. */
  finishedRuns: number
  /** Artifact objects no run row names, now deleted. */
  orphanObjects: number
  /**
   * Leftovers of artifact writes interrupted more than a day ago (a process killed mid-report),
   * removed where the storage adapter has `sweepIncomplete` (the filesystem adapter's `.tmp-*`).
   */
  incompleteWrites: number
}

/** What `applyRetention` removed per kind, plus what its opening orphan sweep reconciled. */
export type ReportsRetentionReport = RetentionReport<ReportsRetentionKind> & {
  /** The orphan sweep run at the start. */
  sweep: SweepReport
}

/** A redeemed download. */
export interface Download {
  stream: Readable
  filename: string
  contentType: string
  /** The report run, or the id derived from the stored object's key. */
  artifactId: string
  /** Headers to send with the file (attachment, no-store, nosniff). */
  headers: Record<string, string>
}

/** The reports service returned by `createReports`. */
export interface Reports {
  /** Adds a report definition, so that schedules, exports and runs can name it. */
  register<P, I>(definition: ReportDefinition<P, I>): void
  /**
   * Renders a report to storage and records it in history. Pass the definition to have `params`
   * typed by its schema (it is registered on first use).
   */
  run<P, I>(report: ReportDefinition<P, I>, params: NoInfer<I>, options: RunOptions): Promise<RunResult>
  /** Renders a registered report, named, to storage; its params are checked at run time. */
  run(report: string, params: unknown, options: RunOptions): Promise<RunResult>
  /** Renders a report straight into a Readable (not stored, not recorded). */
  stream<P, I>(report: ReportDefinition<P, I>, params: NoInfer<I>, options: RunOptions): Readable
  /** Renders a registered report, named, straight into a Readable. */
  stream(report: string, params: unknown, options: RunOptions): Readable
  /** Runs, newest first. */
  history(filter?: HistoryFilter): Promise<RunRecord[]>
  /** A background export with progress and cancellation, limited by `exportConcurrency`. */
  export<I>(input: ExportInput<I>): Promise<ExportJob>
  /**
   * Creates a download link for a finished report artifact (its run id), or for any object the
   * storage adapter holds (`{ storageKey, filename, contentType }`, e.g. an invoice PDF): the
   * same hashed token, expiry, download limit, IP binding, race-safety and audit for both.
   */
  createDownloadLink(
    target: string | StoredObjectTarget,
    options?: DownloadLinkOptions,
  ): Promise<DownloadLink>
  /** Revokes a download link; later redeems fail with `REPORTS_TOKEN_INVALID` (reason `revoked`). */
  revokeDownloadLink(token: string, options?: TenantOption): Promise<void>
  /** Redeems a token: counts one download atomically and opens the file. */
  redeem(token: string, client?: RedeemClient): Promise<Download>
  /** Stores a schedule and returns it with its next run (UTC). */
  schedule<I>(input: ScheduleInput<I>): Promise<ScheduleRecord>
  /** The tenant's schedules. */
  schedules(options?: TenantOption): Promise<ScheduleRecord[]>
  /** Removes a schedule of the tenant (another tenant's id is ignored). */
  unschedule(id: string, options?: TenantOption): Promise<void>
  /** Runs every due schedule once (one run per slot across instances; late slots run once). */
  runDueSchedules(): Promise<DispatchResult>
  /**
   * Polls `runDueSchedules` every `intervalMs` on the clock until `stop()` or `close()`. One
   * scheduler per service: a second call returns the running one.
   */
  startScheduler(options?: SchedulerOptions): BackgroundLoop
  /**
   * Marks runs left `running` by a crashed process (started more than `olderThanMs` ago) as
   * failed, so history does not show them as in progress; returns how many. Call at startup.
   */
  recoverInterruptedRuns(options?: { olderThanMs?: number; tenantId?: string }): Promise<number>
  /**
   * Removes what `policy` names, in short batches (see the README's "Retention"): finished runs
   * with their artifact objects (`keepLast` per report), links that can no longer be redeemed,
   * redeem records and past schedule slot claims. Starts with {@link Reports.sweepOrphans}.
   * Without `tenantId` it applies to every tenant (an operator action, also under
   * `tenantMode: 'required'`); with one, to that tenant only. An invalid policy throws
   * `REPORTS_INVALID_OPTIONS` and removes nothing.
   */
  applyRetention(
    policy: RetentionPolicy<ReportsRetentionKind>,
    options?: RetentionOptions,
  ): Promise<ReportsRetentionReport>
  /**
   * Reconciles storage with the runs: finishes runs an interrupted retention left marked for
   * deletion (object, then row) and deletes artifact objects (keys under `reports.`) that no run
   * row names. Objects the host stored itself are never touched. Without `tenantId`, all tenants.
   */
  sweepOrphans(options?: RetentionOptions): Promise<SweepReport>
  /** The store in use. */
  readonly store: ReportsStore
  /**
   * Stops the scheduler, cancels exports, closes the read connection and the store it opened
   * (never a `db`, `readDb` or `store` the host passed).
   */
  close(): Promise<void>
}
