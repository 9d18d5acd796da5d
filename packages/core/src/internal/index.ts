/**
 * `@opskit/core/internal`: building blocks the opskit packages share that a host has no reason
 * to call — SQL text helpers, SQLite settings, the worker client, CSV field encoding, seeded
 * randomness, bounded maps, option and error plumbing. Not covered by semver promises beyond
 * what the opskit packages of the same release need; hosts use the root entry.
 * @packageDocumentation
 */

export { abortReason, sleepWithTimers } from '../clock/clock.js'
export { setBounded } from '../collections/bounded-map.js'
export { type CsvTextOptions, encodeCsvText, neutraliseFormula, quoteCsvField } from '../csv/csv-field.js'
export { type BatchedDeleteOptions, deleteInBatches } from '../db/batched-delete.js'
export {
  createGroupCommit,
  type GroupCommit,
  type GroupCommitOptions,
  type GroupCommitRunOptions,
  type WalFile,
} from '../db/group-commit.js'
export { type Dialect, dialectOf } from '../db/host-database.js'
export { assertTablePrefix } from '../db/migrate.js'
export { type Outcome, settleEach, settleWithOutcome } from '../db/outcome.js'
export { placeholder, placeholderRows } from '../db/placeholders.js'
export { readSqliteSettings, type SqliteSettings } from '../db/sqlite-settings.js'
export { createStatementBatch } from '../db/statement-batch.js'
export { requiredOptionError } from '../errors/opskit-error.js'
export { escapeHtml } from '../html/escape-html.js'
export { guardedLookup, isInternalName, refusedHostLiteral, systemResolver } from '../http/guarded-lookup.js'
export {
  blockedAddressRange,
  IPV4_SPECIAL_PURPOSE,
  IPV6_SPECIAL_PURPOSE,
  type SpecialPurposeRange,
  specialPurposeRange,
} from '../http/special-addresses.js'
export { normaliseFieldName } from '../logger/redact-secrets.js'
export { createRedactor, type Redactor, type RedactorOptions } from '../logger/redactor.js'
export { importOptional } from '../optional/import-optional.js'
export { mulberry32 } from '../random/mulberry32.js'
export {
  emptyRetentionReport,
  type ResolvedRetentionRule,
  resolveRetentionPolicy,
} from '../retention/retention-policy.js'
export { backoffDelay } from '../retry/retry.js'
export { createStatementCache, type StatementCache } from '../sqlite/statement-cache.js'
export {
  checkTenantId,
  createTenantScope,
  NO_TENANT,
  type TenantScope,
  type TenantScopeErrors,
} from '../tenancy/tenant-scope.js'
export { isValidTimeZone, type WallClock, wallClock } from '../time/wall-clock.js'
export { FORBIDDEN_KEYS, isBoundedJsonObject } from '../validation/safe-json.js'
export { decodeWebhookSecret } from '../webhooks/standard-webhooks.js'
export {
  createWorkerClient,
  serveWorkerRequests,
  startModuleWorker,
  type WorkerClient,
  type WorkerReply,
  type WorkerRequest,
  WorkerRequestError,
  workerErrorReply,
} from '../worker/index.js'
