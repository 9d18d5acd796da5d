import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { DEFAULT_TABLE_PREFIX, type HostDatabase, noopLogger, parseInput, systemClock } from '@opskit/core'
import { createTenantScope, dialectOf, importOptional } from '@opskit/core/internal'
import { sql } from 'kysely'
import { createDownloadLinks } from '../downloads/download-links.js'
import type { ReportAuditEvent } from '../downloads/hooks.js'
import { ReportsError } from '../errors/reports-error.js'
import { createCsvRenderer } from '../render/csv-renderer.js'
import { createJsonRenderer, createNdjsonRenderer } from '../render/json-renderers.js'
import type { Renderer } from '../render/renderer.js'
import type { ReportRef, Reports, ReportsOptions, RunOptions } from '../reports-types.js'
import { createRetention } from '../retention/reports-retention.js'
import { createScheduler } from '../schedules/scheduler.js'
import { createFilesystemStorage } from '../storage/filesystem-storage.js'
import { createKyselyReportsStore } from '../store/kysely/kysely-reports-store.js'
import {
  historyFilterSchema,
  invalidOptions,
  invalidParams,
  reportNameSchema,
  reportsOptionsSchema,
} from '../validation/reports-schemas.js'
import { type ExportContext, startExport } from './exports.js'
import { createReportRegistry } from './run-context.js'
import { executeRun, prepareRun, renderRun } from './run-pipeline.js'
import { Semaphore } from './semaphore.js'

/**
 * On SQLite, a read-only connection to the same file for report queries, so that the stream
 * does not hold the only connection of `db`; undefined elsewhere and for in-memory databases.
 */
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

/** The renderers by format: the built-in CSV, NDJSON and JSON, replaced or extended by the host's. */
function rendererMap(extra: readonly Renderer[] = []): Map<string, Renderer> {
  const renderers = new Map<string, Renderer>()
  for (const renderer of [createCsvRenderer(), createNdjsonRenderer(), createJsonRenderer(), ...extra])
    renderers.set(renderer.format, renderer)
  return renderers
}

/** A report given by name is checked like any input; a definition is resolved by the registry. */
function checkedRef(report: ReportRef): ReportRef {
  return typeof report === 'string' ? parseInput(reportNameSchema, report, invalidParams) : report
}

/**
 * Creates the reports service on the host's database. The store defaults to a Kysely store on
 * `db` (migrated here, closed by `close()`); pass `store` to share one or to use another backend.
 * Bad options throw `REPORTS_INVALID_OPTIONS`.
 *
 * @example
 * ```ts
 * const reports = await createReports({ db, timeZone: 'Europe/Berlin', renderers: [createXlsxRenderer()] })
 * const { artifactId } = await reports.run(salesSummary, { from: '2026-01-01' }, { format: 'xlsx' })
 * const link = await reports.createDownloadLink(artifactId, { expiresInMs: 15 * 60_000, maxDownloads: 3 })
 * ```
 */
export async function createReports(options: ReportsOptions): Promise<Reports> {
  parseInput(reportsOptionsSchema, options, invalidOptions)
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? noopLogger
  const ownedStore = options.store
    ? undefined
    : await createKyselyReportsStore({
        db: options.db,
        tablePrefix: options.tablePrefix ?? DEFAULT_TABLE_PREFIX,
        logger,
      })
  const store = options.store ?? (ownedStore as NonNullable<typeof ownedStore>)
  const ownedReadDb = options.readDb ? undefined : await openReadConnection(options.db)
  let closed = false
  const assertOpen = () => {
    if (closed) throw new ReportsError('REPORTS_CLOSED', 'the reports service is closed')
  }
  const tenantOf = createTenantScope(options.tenantMode ?? 'off', {
    required: (message) => new ReportsError('REPORTS_TENANT_REQUIRED', message),
    invalid: (message) => invalidParams(message, [{ path: ['tenantId'], message }]),
  })
  const context: ExportContext = {
    db: options.db,
    readDb: options.readDb ?? ownedReadDb ?? options.db,
    store,
    storage: options.storage ?? createFilesystemStorage({ directory: join(tmpdir(), 'opskit-reports') }),
    clock,
    logger,
    timeZone: options.timeZone ?? 'UTC',
    locale: options.locale ?? 'en-US',
    renderers: rendererMap(options.renderers),
    registry: createReportRegistry(),
    tenantOf,
    assertOpen,
    slots: new Semaphore(options.exportConcurrency ?? 2),
    controllers: new Set(),
  }
  const audit = async (event: ReportAuditEvent) => {
    if (!options.audit) return
    try {
      await options.audit.log(event)
    } catch (error) {
      logger.error({ err: error, action: event.action }, 'audit hook failed')
    }
  }
  const links = createDownloadLinks({
    store,
    storage: context.storage,
    clock,
    baseUrl: (options.downloadBaseUrl ?? '/reports/downloads').replace(/\/+$/, ''),
    tenantOf,
    audit,
    assertOpen,
  })
  const retention = createRetention({ ...context, audit })
  const scheduler = createScheduler({ ...context, links, notifier: options.notifier })

  return {
    store,
    register(definition) {
      assertOpen()
      context.registry.register(definition)
    },
    async run(report: ReportRef, params: unknown, runOptions: RunOptions) {
      const tenantId = tenantOf(runOptions.tenantId)
      const prepared = prepareRun(context, checkedRef(report), params, runOptions.format, tenantId)
      return executeRun(context, prepared, { signal: runOptions.signal })
    },
    stream(report: ReportRef, params: unknown, runOptions: RunOptions) {
      const tenantId = tenantOf(runOptions.tenantId)
      const prepared = prepareRun(context, checkedRef(report), params, runOptions.format, tenantId)
      const out = new PassThrough({ highWaterMark: 64 * 1024 })
      renderRun(context, prepared, out, { signal: runOptions.signal }).catch((error: unknown) =>
        out.destroy(error as Error),
      )
      return out
    },
    async history(filter = {}) {
      assertOpen()
      const { tenantId, ...rest } = filter
      const tenant = tenantOf(tenantId)
      return store.listRuns(tenant, parseInput(historyFilterSchema, rest, invalidParams))
    },
    async export(input) {
      return startExport(context, input)
    },
    createDownloadLink: links.create,
    revokeDownloadLink: links.revoke,
    redeem: links.redeem,
    schedule: scheduler.schedule,
    schedules: scheduler.schedules,
    unschedule: scheduler.unschedule,
    runDueSchedules: scheduler.runDueSchedules,
    startScheduler: scheduler.start,
    async recoverInterruptedRuns(recoverOptions = {}) {
      assertOpen()
      const tenantId = recoverOptions.tenantId === undefined ? undefined : tenantOf(recoverOptions.tenantId)
      const now = clock.now()
      return store.failStaleRuns(
        new Date(now - Math.max(0, recoverOptions.olderThanMs ?? 3_600_000)),
        'interrupted: the process ended while the report was running',
        new Date(now),
        tenantId,
      )
    },
    applyRetention: retention.applyRetention,
    sweepOrphans: retention.sweepOrphans,
    async close() {
      if (closed) return
      closed = true
      for (const controller of context.controllers) controller.abort()
      await scheduler.stop()
      await ownedReadDb?.destroy()
      await ownedStore?.close()
    },
  }
}
