import type { Readable } from 'node:stream'
import type { Clock, HostDatabase, Logger } from '@opskit/core'
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
  /** Base of download URLs: `${downloadBaseUrl}/${token}`. @default '/reports/downloads' */
  downloadBaseUrl?: string
  /** Audit hook for download links and redeems (e.g. an `@opskit/audit` log). */
  audit?: ReportAuditHook
  /** Notifier used for scheduled deliveries when a schedule has none in this process. */
  notifier?: ReportNotifier
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

/** Options of `run` and `stream`. */
export interface RunOptions {
  /** Output format: `csv`, `ndjson`, `json`, or one added through `renderers` (`xlsx`, `pdf`). */
  format: string
  /** Cancels the run. */
  signal?: AbortSignal
}

/** Input of `schedule`. */
export interface ScheduleInput<I = unknown> {
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

/** Filter of `history`. */
export interface HistoryFilter {
  report?: string
  scheduleId?: string
  from?: Date
  to?: Date
  limit?: number
}

/** Input of `export`. */
export interface ExportInput<I = unknown> {
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

/** Options of `createDownloadLink`. */
export interface DownloadLinkOptions {
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

/** Who redeems a link. */
export interface RedeemClient {
  ip?: string
  userAgent?: string
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
  revokeDownloadLink(token: string): Promise<void>
  /** Redeems a token: counts one download atomically and opens the file. */
  redeem(token: string, client?: RedeemClient): Promise<Download>
  /** Stores a schedule and returns it with its next run (UTC). */
  schedule<I>(input: ScheduleInput<I>): Promise<ScheduleRecord>
  /** Schedules in the store. */
  schedules(): Promise<ScheduleRecord[]>
  /** Removes a schedule. */
  unschedule(id: string): Promise<void>
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
  recoverInterruptedRuns(options?: { olderThanMs?: number }): Promise<number>
  /** The store in use. */
  readonly store: ReportsStore
  /**
   * Stops the scheduler, cancels exports, closes the read connection and the store it opened
   * (never a `db`, `readDb` or `store` the host passed).
   */
  close(): Promise<void>
}
