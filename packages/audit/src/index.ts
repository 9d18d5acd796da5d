/**
 * `@opskit/audit`: append-only, tamper-evident audit trail.
 * @packageDocumentation
 */

export {
  type Checkpoint,
  checkpointSignedBy,
  createCheckpoint,
  type KeyInput,
  parseCheckpoint,
} from './checkpoint/checkpoint.js'
export { type OutsideRecord, parseOutsideRecord } from './checkpoint/outside-record.js'
export {
  createRetentionStatement,
  parseRetentionStatement,
  RETENTION_HEADER,
  type RetentionStatement,
  retentionSignedBy,
} from './checkpoint/retention-statement.js'
export type { NoteSignature, SignedRecordInput } from './checkpoint/signed-note.js'
export { AuditError, type AuditErrorCode } from './errors/audit-error.js'
export { canonicalJson, chainHash, GENESIS_HASH, leafHash } from './event/canonical.js'
export {
  AUDIT_ACTOR_TYPES,
  AUDIT_CATEGORIES,
  AUDIT_OUTCOMES,
  AUDIT_SEVERITIES,
  type AuditActor,
  type AuditActorType,
  type AuditCategory,
  type AuditEvent,
  type AuditEventInput,
  type AuditOutcome,
  type AuditSeverity,
  type AuditTarget,
  auditEventSchema,
  ERASED,
} from './event/event-schema.js'
export { csvCell, toOcsf } from './export/export-format.js'
export type {
  ActivitySummary,
  AuditCheckpoint,
  AuditLog,
  AuditPage,
  AuditQuery,
  AuditRetentionKind,
  AuditRetentionReport,
  AuditViewer,
  ComplianceSummary,
  EventFilter,
  EventHookContext,
  ExportEventInput,
  ExportFormat,
  HelperEventInput,
  LoggedEvent,
  VerifyOptions,
  VerifyResult,
} from './log/audit-log.js'
export type { AuditLogOptions, AuditMetrics } from './log/audit-log-options.js'
export { createAuditLog } from './log/create-audit-log.js'
export type {
  AppendPlan,
  AuditStore,
  ChainHead,
  StoredCheckpoint,
  StoredEventRow,
  StoreFilter,
  SubjectKey,
} from './store/audit-store.js'
export { createKyselyAuditStore, type KyselyAuditStoreOptions } from './store/kysely/kysely-audit-store.js'
export { auditMigrations, auditTables } from './store/kysely/migrations.js'
export type { VerifyCaveat, VerifyFailure } from './verify/verify-types.js'
