/**
 * `@opskit/reports`: streaming reports and exports.
 * @packageDocumentation
 */
export { defineReport } from './definition/define-report.js'
export type {
  ColumnFormat,
  ColumnType,
  QueryContext,
  ReportChart,
  ReportColumn,
  ReportDefinition,
  ReportRow,
  ReportSource,
  TotalKind,
} from './definition/report-definition.js'
export { attachmentDisposition } from './downloads/download-links.js'
export type {
  ReportAuditEvent,
  ReportAuditHook,
  ReportDelivery,
  ReportNotifier,
} from './downloads/hooks.js'
export { ReportsError, type ReportsErrorCode } from './errors/reports-error.js'
export { type CsvOptions, createCsvRenderer } from './render/csv-renderer.js'
export { createJsonRenderer, createNdjsonRenderer, type JsonOptions } from './render/json-renderers.js'
export type { Renderer, RenderInput, TotalsLine } from './render/renderer.js'
export { endStream, TextSink, waitForDrain } from './render/text-sink.js'
export {
  type Cell,
  dateInZone,
  escapeFormula,
  type HumanFormatOptions,
  humanFormatter,
  humanRowFormatter,
  machineValue,
  type WallClock,
  wallClock,
} from './render/values.js'
export type {
  BackgroundLoop,
  DispatchResult,
  Download,
  DownloadLink,
  DownloadLinkOptions,
  ExportInput,
  HistoryFilter,
  RedeemClient,
  ReportRef,
  Reports,
  ReportsOptions,
  ReportsRetentionKind,
  ReportsRetentionReport,
  RetentionOptions,
  RunOptions,
  ScheduleDelivery,
  ScheduleInput,
  SchedulerOptions,
  StoredObjectTarget,
  SweepReport,
  TenantOption,
} from './reports-types.js'
export { createReports } from './runner/create-reports.js'
export { ExportJob, type ExportJobEvents, type ExportProgress } from './runner/export-job.js'
export type { RunResult, RunTotals } from './runner/run-result.js'
export { nextSlot } from './schedules/cron.js'
export { createFilesystemStorage, type FilesystemStorageOptions } from './storage/filesystem-storage.js'
export { createMemoryStorage } from './storage/memory-storage.js'
export type { StorageAdapter, StoredObject } from './storage/storage-adapter.js'
export {
  createKyselyReportsStore,
  type KyselyReportsStoreOptions,
} from './store/kysely/kysely-reports-store.js'
export { reportsMigrations, reportsTables } from './store/kysely/migrations.js'
export type {
  DeletingRun,
  LinkedObject,
  RedeemRecord,
  ReportsRowKind,
  ReportsStore,
  RowRetentionBatch,
  RunFilter,
  RunOutcome,
  RunRecord,
  RunRetentionBatch,
  RunStatus,
  ScheduleRecord,
  TokenRecord,
} from './store/reports-store.js'
