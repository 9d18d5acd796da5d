/**
 * `@opskit/reports/examples`: the built-in reports of a ticketing platform over a documented
 * example schema (sales summary, revenue breakdown, refunds, attendance, venue performance), the
 * schema's migrations, and an audit compliance report over any `AuditLike` log. A host copies or
 * registers them; the root entry does not load them.
 * @packageDocumentation
 */
export {
  type AuditEventLike,
  type AuditLike,
  type AuditQueryFilter,
  complianceParams,
  createAuditComplianceReport,
} from './audit-compliance.js'
export {
  breakdownParams,
  builtinReports,
  dailySalesSummary,
  refundSummary,
  revenueBreakdown,
} from './builtin-reports.js'
export { migrateExampleSchema } from './migrate-example.js'
export { type PeriodParams, periodParams } from './period-params.js'
export { exampleSchemaMigrations } from './schema.js'
export { eventAttendance, venuePerformance } from './venue-reports.js'
export { nextDay, startOfDayInZone } from './zoned.js'
