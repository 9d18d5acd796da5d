/**
 * `@opskit/audit`: append-only, tamper-evident audit trail.
 * @packageDocumentation
 */
export { AuditError, type AuditErrorCode } from './errors/audit-error.js'
