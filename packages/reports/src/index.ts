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
export {
  attachmentDisposition,
  type Download,
  type DownloadLink,
  type DownloadLinkOptions,
  type StoredObjectTarget,
} from './downloads/download-links.js'
export type {
  ReportAuditEvent,
  ReportAuditHook,
  ReportDelivery,
  ReportNotifier,
} from './downloads/hooks.js'
export { isOpskitReportError, ReportError, type ReportErrorCode } from './errors/reports-error.js'
export {
  type AuditEventLike,
  type AuditLike,
  type AuditQueryFilter,
  complianceParams,
  createAuditComplianceReport,
} from './examples/audit-compliance.js'
export {
  breakdownParams,
  builtinReports,
  dailySalesSummary,
  refundSummary,
  revenueBreakdown,
} from './examples/builtin-reports.js'
export { migrateExampleSchema } from './examples/migrate-example.js'
export { type PeriodParams, periodParams } from './examples/period-params.js'
export { exampleSchemaMigrations } from './examples/schema.js'
export { eventAttendance, venuePerformance } from './examples/venue-reports.js'
export { nextDay, startOfDayInZone } from './examples/zoned.js'
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
export {
  createReports,
  type DispatchResult,
  type ExportInput,
  type HistoryFilter,
  type Reports,
  type ReportsConfig,
  type RunOptions,
  type ScheduleInput,
} from './runner/create-reports.js'
export { ExportJob, type ExportJobEvents, type ExportProgress } from './runner/export-job.js'
export type { RunResult, RunTotals } from './runner/run-result.js'
export { nextSlot } from './schedules/cron.js'
export { createFilesystemStorage, type FilesystemStorageOptions } from './storage/filesystem-storage.js'
export { createMemoryStorage } from './storage/memory-storage.js'
export type { StorageAdapter, StoredObject } from './storage/storage-adapter.js'
export { createKyselyReportStore, type KyselyReportStoreOptions } from './store/kysely-store.js'
export { createMemoryReportStore } from './store/memory-store.js'
export { reportMigrations, reportTables } from './store/migrations.js'
export type {
  LinkedObject,
  RedeemRecord,
  ReportStore,
  RunFilter,
  RunOutcome,
  RunRecord,
  RunStatus,
  ScheduleRecord,
  TokenRecord,
} from './store/report-store.js'
