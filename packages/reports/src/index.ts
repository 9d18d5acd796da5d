/**
 * `@opskit/reports`: streaming reports and exports.
 * @packageDocumentation
 */
export { ReportError, type ReportErrorCode } from './errors/reports-error.js'
