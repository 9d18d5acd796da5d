import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, pipeline, type Readable, Transform } from 'node:stream'
import {
  type Clock,
  dialectOf,
  type HostDatabase,
  importOptional,
  type Logger,
  noopLogger,
  parseInput,
  systemClock,
  type TimerHandle,
  uuidv7,
} from '@opskit/core'
import { sql } from 'kysely'
import { z } from 'zod'
import type { ReportDefinition } from '../definition/report-definition.js'
import {
  createDownloadLinks,
  type Download,
  type DownloadLink,
  type DownloadLinkOptions,
  type StoredObjectTarget,
} from '../downloads/download-links.js'
import type { ReportAuditEvent, ReportAuditHook, ReportNotifier } from '../downloads/hooks.js'
import { isOpskitReportError, ReportError } from '../errors/reports-error.js'
import { createCsvRenderer } from '../render/csv-renderer.js'
import { createJsonRenderer, createNdjsonRenderer } from '../render/json-renderers.js'
import type { Renderer } from '../render/renderer.js'
import { isValidTimeZone } from '../render/values.js'
import { compile, nextSlot } from '../schedules/cron.js'
import { createFilesystemStorage } from '../storage/filesystem-storage.js'
import type { StorageAdapter } from '../storage/storage-adapter.js'
import { createKyselyReportStore } from '../store/kysely-store.js'
import type { ReportStore, RunRecord, ScheduleRecord } from '../store/report-store.js'
import { ExportJob } from './export-job.js'
import { createRenderInput } from './render-input.js'
import { streamRows } from './row-source.js'
import type { RunResult } from './run-result.js'
import { Semaphore } from './semaphore.js'

/** Configuration of {@link createReports}. */
export interface ReportsConfig {
  /** The host's database: report queries run on it and the store keeps its tables there. */
  db: HostDatabase
  /**
   * Connection report queries stream from. Default on SQLite: a separate read-only connection
   * to the same file (so progress and history writes are not blocked); elsewhere `db`.
   */
  readDb?: HostDatabase
  /** Where artifacts go. @default filesystem under `<tmpdir>/opskit-reports` */
  storage?: StorageAdapter
  /** Store for history, tokens and schedules. @default the Kysely store on `db` */
  store?: ReportStore
  /** Table prefix of the Kysely store. @default 'opskit_' */
  tablePrefix?: string
  /** IANA time zone for values shown to people and XLSX date cells. @default 'UTC' */
  timezone?: string
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

/** Options of `run` and `stream`. */
export interface RunOptions {
  /** Output format: `csv`, `ndjson`, `json`, or one added through `renderers` (`xlsx`, `pdf`). */
  format: string
  /** Cancels the run. */
  signal?: AbortSignal
}

/** Input of `schedule`. */
export interface ScheduleInput {
  report: string
  params: unknown
  /** Cron expression (5 or 6 fields) evaluated in `timezone`. */
  cron: string
  /** IANA time zone of the cron expression. @default the reports time zone */
  timezone?: string
  format: string
  /** Send each artifact to `to` through `notifier`. */
  deliver?: { notifier?: ReportNotifier; to: unknown; linkExpiresIn?: number }
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
export interface ExportInput {
  /** A registered report acting as the exported entity. */
  entity: string
  /** Its parameters. */
  filters?: unknown
  format: string
}

/** What `runDueSchedules` did. */
export interface DispatchResult {
  /** Runs this instance started (run ids). */
  started: string[]
  /** Slots another instance had already claimed. */
  skipped: number
}

/** The reports service returned by {@link createReports}. */
export interface Reports {
  /** Adds a report definition. */
  register(definition: ReportDefinition<unknown>): void
  /** Renders a report to storage and records it in history. */
  run(name: string, params: unknown, options: RunOptions): Promise<RunResult>
  /** Renders a report straight into a Readable (not stored, not recorded). */
  stream(name: string, params: unknown, options: RunOptions): Readable
  /** Runs, newest first. */
  history(filter?: HistoryFilter): Promise<RunRecord[]>
  /** A background export with progress and cancellation, limited by `exportConcurrency`. */
  export(input: ExportInput): Promise<ExportJob>
  /**
   * Creates a download link for a finished report artifact (its run id), or for any object the
   * storage adapter holds (`{ storageKey, filename, contentType }`, e.g. an invoice PDF): the
   * same hashed token, expiry, download limit, IP binding, race-safety and audit for both.
   */
  createDownloadLink(
    target: string | StoredObjectTarget,
    options?: DownloadLinkOptions,
  ): Promise<DownloadLink>
  /** Revokes a download link; later redeems fail with `REPORT_TOKEN_INVALID` (reason `revoked`). */
  revokeDownloadLink(token: string): Promise<void>
  /** Redeems a token: counts one download atomically and opens the file. */
  redeem(token: string, context?: { ip?: string; userAgent?: string }): Promise<Download>
  /** Stores a schedule and returns it with its next run (UTC). */
  schedule(input: ScheduleInput): Promise<ScheduleRecord>
  /** Schedules in the store. */
  schedules(): Promise<ScheduleRecord[]>
  /** Removes a schedule. */
  unschedule(id: string): Promise<void>
  /** Runs every due schedule once (one run per slot across instances; late slots run once). */
  runDueSchedules(): Promise<DispatchResult>
  /** Polls `runDueSchedules` every `intervalMs` on the clock until `close()`. */
  startScheduler(options?: { intervalMs?: number }): void
  /**
   * Marks runs left `running` by a crashed process (started more than `olderThanMs` ago) as
   * failed, so history does not show them as in progress; returns how many. Call at startup.
   */
  recoverInterruptedRuns(options?: { olderThanMs?: number }): Promise<number>
  /** The store in use. */
  readonly store: ReportStore
  /** Stops the scheduler, cancels exports, closes the read connection it opened. */
  close(): Promise<void>
}

const NAME = z.string().min(1)

function invalidParams(message: string, issues: unknown) {
  return new ReportError('REPORT_INVALID_PARAMS', `invalid params: ${message}`, { details: { issues } })
}

function hashingCounter() {
  const hash = createHash('sha256')
  let bytes = 0
  const transform = new Transform({
    highWaterMark: 64 * 1024,
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      bytes += chunk.length
      callback(null, chunk)
    },
  })
  return { transform, bytes: () => bytes, digest: () => hash.digest('hex') }
}

async function openReadConnection(db: HostDatabase): Promise<HostDatabase | undefined> {
  if (dialectOf(db) !== 'sqlite') return undefined
  const result = await sql<{
    file: string
  }>`select file from pragma_database_list where name = 'main'`.execute(db)
  const file = result.rows[0]?.file
  if (!file) return undefined
  const sqlite = await importOptional<typeof import('@opskit/core/sqlite')>(
    '@opskit/core/sqlite',
    '@opskit/reports',
  )
  return sqlite.openSqlite(file, { readonly: true })
}

/**
 * Creates the reports service on the host's database.
 *
 * @example
 * ```ts
 * const reports = await createReports({ db, timezone: 'Europe/Berlin', renderers: [createXlsxRenderer()] })
 * reports.register(salesSummary)
 * const { artifactId } = await reports.run('sales-summary', { from: '2026-01-01' }, { format: 'xlsx' })
 * const link = await reports.createDownloadLink(artifactId, { expiresIn: 900, maxDownloads: 3 })
 * ```
 */
export async function createReports(config: ReportsConfig): Promise<Reports> {
  const clock = config.clock ?? systemClock
  const logger = config.logger ?? noopLogger
  const timezone = config.timezone ?? 'UTC'
  const locale = config.locale ?? 'en-US'
  if (!isValidTimeZone(timezone))
    throw new ReportError('REPORT_INVALID_PARAMS', `timezone: unknown time zone "${timezone}"`)
  const store =
    config.store ??
    (await createKyselyReportStore({ db: config.db, tablePrefix: config.tablePrefix ?? 'opskit_' }))
  const storage = config.storage ?? createFilesystemStorage({ directory: join(tmpdir(), 'opskit-reports') })
  const ownedReadDb = config.readDb ? undefined : await openReadConnection(config.db)
  const readDb = config.readDb ?? ownedReadDb ?? config.db
  const renderers = new Map<string, Renderer>()
  for (const renderer of [
    createCsvRenderer(),
    createNdjsonRenderer(),
    createJsonRenderer(),
    ...(config.renderers ?? []),
  ])
    renderers.set(renderer.format, renderer)
  const definitions = new Map<string, ReportDefinition<unknown>>()
  const notifiers = new Map<string, ReportNotifier>()
  const exportSlots = new Semaphore(Math.max(1, config.exportConcurrency ?? 2))
  const controllers = new Set<AbortController>()
  const baseUrl = (config.downloadBaseUrl ?? '/reports/downloads').replace(/\/+$/, '')
  let closed = false
  let pollTimer: TimerHandle | undefined
  let dispatching: Promise<unknown> = Promise.resolve()

  const assertOpen = () => {
    if (closed) throw new ReportError('REPORT_CLOSED', 'the reports service is closed')
  }

  const prepare = (name: string, params: unknown, format: string) => {
    assertOpen()
    const definition = definitions.get(name)
    if (!definition) throw new ReportError('REPORT_NOT_FOUND', `no report named "${name}" is registered`)
    const renderer = renderers.get(format)
    if (!renderer) {
      throw new ReportError(
        'REPORT_FORMAT_UNAVAILABLE',
        `format "${format}" is not available (have: ${[...renderers.keys()].join(', ')})`,
        { details: { format } },
      )
    }
    const parsed = parseInput(definition.params, params, invalidParams) as Record<string, unknown>
    return { definition, renderer, params: parsed }
  }

  const renderTo = async (
    prepared: ReturnType<typeof prepare>,
    out: PassThrough,
    options: { signal?: AbortSignal; onProgress?: (rows: number) => void },
  ) => {
    const now = new Date(clock.now())
    const source = await prepared.definition.query(config.db, prepared.params, {
      timezone,
      now,
      stream: (query) => streamRows(query, readDb),
    })
    const input = createRenderInput({
      definition: prepared.definition,
      params: prepared.params,
      rows: streamRows(source, readDb),
      generatedAt: now,
      locale,
      timezone,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: (p: { rows: number }) => options.onProgress?.(p.rows) } : {}),
    })
    await prepared.renderer.render(input, out)
    return input
  }

  const execute = async (
    prepared: ReturnType<typeof prepare>,
    format: string,
    extra: { scheduleId?: string; signal?: AbortSignal; onProgress?: (rows: number) => void; id?: string },
  ): Promise<RunResult> => {
    const id = extra.id ?? uuidv7()
    const startedAt = clock.now()
    const filename = `${prepared.definition.name}-${new Date(startedAt).toISOString().slice(0, 10)}-${id.slice(-8)}.${prepared.renderer.extension}`
    const storageKey = `${id}.${prepared.renderer.extension}`
    await store.insertRun({
      id,
      report: prepared.definition.name,
      format,
      params: prepared.params,
      status: 'running',
      rows: 0,
      bytes: 0,
      sha256: null,
      durationMs: 0,
      error: null,
      storageKey,
      filename,
      contentType: prepared.renderer.contentType,
      scheduleId: extra.scheduleId ?? null,
      startedAt: new Date(startedAt),
      finishedAt: null,
    })
    const out = new PassThrough({ highWaterMark: 64 * 1024 })
    const counter = hashingCounter()
    pipeline(out, counter.transform, () => {})
    const stored = storage.write(storageKey, counter.transform, {
      contentType: prepared.renderer.contentType,
    })
    const rendered = renderTo(prepared, out, extra).catch((error: unknown) => {
      out.destroy(error as Error)
      throw error
    })
    const [renderOutcome, storeOutcome] = await Promise.allSettled([rendered, stored])
    const durationMs = clock.now() - startedAt
    if (renderOutcome.status === 'rejected' || storeOutcome.status === 'rejected') {
      const reason =
        renderOutcome.status === 'rejected'
          ? renderOutcome.reason
          : (storeOutcome as PromiseRejectedResult).reason
      const cancelled = extra.signal?.aborted === true
      await storage.delete(storageKey).catch(() => {})
      await store.finishRun(id, {
        status: cancelled ? 'cancelled' : 'failed',
        rows: 0,
        bytes: 0,
        sha256: null,
        durationMs,
        error: String((reason as Error)?.message ?? reason),
        finishedAt: new Date(clock.now()),
      })
      logger.warn({ report: prepared.definition.name, runId: id, err: reason }, 'report run failed')
      if (cancelled)
        throw new ReportError('REPORT_CANCELLED', `report run ${id} was cancelled`, { cause: reason })
      if (isOpskitReportError(reason)) throw reason
      throw new ReportError(
        'REPORT_RENDER_FAILED',
        `report "${prepared.definition.name}" failed: ${String((reason as Error)?.message ?? reason)}`,
        {
          cause: reason,
          details: { runId: id },
        },
      )
    }
    const input = renderOutcome.value
    const sha256 = counter.digest()
    const rows = input.rowCount()
    await store.finishRun(id, {
      status: 'succeeded',
      rows,
      bytes: counter.bytes(),
      sha256,
      durationMs,
      error: null,
      finishedAt: new Date(clock.now()),
    })
    const totals: RunResult['totals'] = input.totalLines().map((line) => ({
      currency: line.currency,
      values: Object.fromEntries(
        prepared.definition.columns.flatMap((column, index) =>
          input.totalKinds[column.key] ? [[column.key, line.cells[index] ?? null]] : [],
        ),
      ),
    }))
    return { artifactId: id, rows, bytes: counter.bytes(), durationMs, sha256, totals }
  }

  const audit = async (event: ReportAuditEvent) => {
    if (!config.audit) return
    try {
      await config.audit.log(event)
    } catch (error) {
      logger.error({ err: error, action: event.action }, 'audit hook failed')
    }
  }

  const links = createDownloadLinks({
    store,
    storage,
    clock,
    baseUrl,
    audit,
    assertOpen,
  })

  const deliver = async (schedule: ScheduleRecord, result: RunResult) => {
    const deliverTo = schedule.deliverTo as { to: unknown; linkExpiresIn?: number } | null
    if (!deliverTo) return
    const notifier = notifiers.get(schedule.id) ?? config.notifier
    if (!notifier) {
      logger.warn(
        { scheduleId: schedule.id },
        'scheduled report has recipients but no notifier in this process',
      )
      return
    }
    const definition = definitions.get(schedule.report)
    const run = await store.getRun(result.artifactId)
    const link = await links.create(result.artifactId, {
      expiresIn: deliverTo.linkExpiresIn ?? 7 * 24 * 3600,
      maxDownloads: 10,
    })
    await notifier.send({
      to: deliverTo.to,
      report: schedule.report,
      title: definition?.title ?? schedule.report,
      artifactId: result.artifactId,
      filename: run?.filename ?? result.artifactId,
      format: schedule.format,
      rows: result.rows,
      bytes: result.bytes,
      url: link.url,
      expiresAt: link.expiresAt,
      scheduleId: schedule.id,
    })
  }

  const runDueSchedules = async (): Promise<DispatchResult> => {
    assertOpen()
    const now = new Date(clock.now())
    const due = await store.dueSchedules(now, 100)
    const started: string[] = []
    let skipped = 0
    for (const schedule of due) {
      const slot = schedule.nextRunAt
      // Misfire policy: however many slots were missed, run once now and move to the next slot after now.
      const next = nextSlot(schedule.cron, schedule.timezone, now)
      const claimed = await store.claimSlot(schedule.id, slot, now)
      await store.advanceSchedule(schedule.id, slot, next)
      if (!claimed) {
        skipped++
        continue
      }
      const id = uuidv7()
      started.push(id)
      await store.setSlotRun(schedule.id, slot, id)
      let prepared: ReturnType<typeof prepare>
      try {
        prepared = prepare(schedule.report, schedule.params, schedule.format)
      } catch (error) {
        // The report is not registered here (or its params no longer parse): record the failure.
        const at = new Date(clock.now())
        await store.insertRun({
          id,
          report: schedule.report,
          format: schedule.format,
          params: schedule.params,
          status: 'failed',
          rows: 0,
          bytes: 0,
          sha256: null,
          durationMs: 0,
          error: String((error as Error)?.message ?? error),
          storageKey: null,
          filename: '',
          contentType: '',
          scheduleId: schedule.id,
          startedAt: at,
          finishedAt: at,
        })
        logger.error({ err: error, scheduleId: schedule.id, runId: id }, 'scheduled report cannot run')
        continue
      }
      try {
        const result = await execute(prepared, schedule.format, { scheduleId: schedule.id, id })
        await deliver(schedule, result)
      } catch (error) {
        logger.error({ err: error, scheduleId: schedule.id, runId: id }, 'scheduled report failed')
      }
    }
    return { started, skipped }
  }

  const reports: Reports = {
    store,
    register(definition) {
      assertOpen()
      if (definitions.has(definition.name))
        throw new ReportError(
          'REPORT_INVALID_DEFINITION',
          `a report named "${definition.name}" is already registered`,
        )
      definitions.set(definition.name, definition)
    },
    async run(name, params, options) {
      const prepared = prepare(parseInput(NAME, name, invalidParams), params, options.format)
      return execute(prepared, options.format, options.signal ? { signal: options.signal } : {})
    },
    stream(name, params, options) {
      const prepared = prepare(name, params, options.format)
      const out = new PassThrough({ highWaterMark: 64 * 1024 })
      renderTo(prepared, out, options.signal ? { signal: options.signal } : {}).catch((error: unknown) =>
        out.destroy(error as Error),
      )
      return out
    },
    async history(filter = {}) {
      assertOpen()
      const parsed = parseInput(
        z.object({
          report: z.string().min(1).optional(),
          scheduleId: z.string().min(1).optional(),
          from: z.date().optional(),
          to: z.date().optional(),
          limit: z.number().int().positive().max(10_000).optional(),
        }),
        filter,
        invalidParams,
      )
      return store.listRuns(parsed)
    },
    async export(input) {
      assertOpen()
      const parsed = parseInput(
        z.object({ entity: z.string().min(1), filters: z.unknown().optional(), format: z.string().min(1) }),
        input,
        invalidParams,
      )
      const prepared = prepare(parsed.entity, parsed.filters ?? {}, parsed.format)
      const controller = new AbortController()
      controllers.add(controller)
      const id = uuidv7()
      return new ExportJob(id, controller, async (job) => {
        try {
          const release = await exportSlots.acquire(controller.signal).catch((reason: unknown) => {
            throw new ReportError('REPORT_CANCELLED', `export ${id} was cancelled while queued`, {
              cause: reason,
            })
          })
          try {
            const estimated = prepared.definition.estimate
              ? await prepared.definition.estimate(config.db, prepared.params)
              : null
            job.emit('progress', { rows: 0, estimated })
            const result = await execute(prepared, parsed.format, {
              id,
              signal: controller.signal,
              onProgress: (rows) => job.emit('progress', { rows, estimated }),
            })
            job.emit('progress', { rows: result.rows, estimated })
            return result
          } finally {
            release()
          }
        } finally {
          controllers.delete(controller)
        }
      })
    },
    createDownloadLink: links.create,
    revokeDownloadLink: links.revoke,
    redeem: links.redeem,
    async schedule(input) {
      assertOpen()
      const parsed = parseInput(
        z.object({
          report: z.string().min(1),
          params: z.unknown(),
          cron: z.string().min(1).max(128),
          timezone: z.string().refine(isValidTimeZone, 'unknown time zone').optional(),
          format: z.string().min(1),
          deliver: z
            .object({
              notifier: z
                .custom<ReportNotifier>((v) => typeof (v as ReportNotifier)?.send === 'function')
                .optional(),
              to: z.unknown(),
              linkExpiresIn: z.number().int().positive().optional(),
            })
            .optional(),
        }),
        input,
        invalidParams,
      )
      const zone = parsed.timezone ?? timezone
      const prepared = prepare(parsed.report, parsed.params ?? {}, parsed.format)
      compile(parsed.cron, zone)
      const now = new Date(clock.now())
      const record: ScheduleRecord = {
        id: uuidv7(),
        report: parsed.report,
        params: prepared.params,
        cron: parsed.cron,
        timezone: zone,
        format: parsed.format,
        deliverTo: parsed.deliver
          ? {
              to: parsed.deliver.to ?? null,
              ...(parsed.deliver.linkExpiresIn ? { linkExpiresIn: parsed.deliver.linkExpiresIn } : {}),
            }
          : null,
        nextRunAt: nextSlot(parsed.cron, zone, now),
        enabled: true,
        createdAt: now,
      }
      await store.insertSchedule(record)
      if (parsed.deliver?.notifier) notifiers.set(record.id, parsed.deliver.notifier)
      return record
    },
    async schedules() {
      return store.listSchedules()
    },
    async unschedule(id) {
      notifiers.delete(id)
      await store.deleteSchedule(id)
    },
    runDueSchedules,
    async recoverInterruptedRuns(options = {}) {
      assertOpen()
      const now = clock.now()
      return store.failStaleRuns(
        new Date(now - Math.max(0, options.olderThanMs ?? 3_600_000)),
        'interrupted: the process ended while the report was running',
        new Date(now),
      )
    },
    startScheduler(options = {}) {
      assertOpen()
      if (pollTimer) return
      const interval = Math.max(10, options.intervalMs ?? 30_000)
      const tick = () => {
        dispatching = runDueSchedules()
          .catch((error: unknown) => logger.error({ err: error }, 'schedule dispatch failed'))
          .finally(() => {
            if (!closed) pollTimer = clock.setTimeout(tick, interval)
          })
      }
      pollTimer = clock.setTimeout(tick, 0)
    },
    async close() {
      if (closed) return
      closed = true
      if (pollTimer) clock.clearTimeout(pollTimer)
      for (const controller of controllers) controller.abort()
      await dispatching
      await ownedReadDb?.destroy()
    },
  }
  return reports
}
