/**
 * `@opskit/core`: the small shared kernel of opskit — errors, clock, ids, logger, database
 * helpers, retry with backoff, HMAC and Standard Webhooks signing, input validation.
 * @packageDocumentation
 */

export { abortReason, type Clock, sleepWithTimers, systemClock, type TimerHandle } from './clock/clock.js'
export { setBounded } from './collections/bounded-map.js'
export { constantTimeEqual, sha256Hex } from './crypto/constant-time.js'
export { type DigestEncoding, hmacSha256, verifyHmacSha256 } from './crypto/hmac.js'
export { type CsvTextOptions, encodeCsvText, neutraliseFormula, quoteCsvField } from './csv/csv-field.js'
export { type Dialect, dialectOf, type HostDatabase } from './db/host-database.js'
export {
  assertTablePrefix,
  DEFAULT_TABLE_PREFIX,
  type MigrateOptions,
  type MigrateResult,
  type MigrationSet,
  migrate,
} from './db/migrate.js'
export { placeholder, placeholderRows } from './db/placeholders.js'
export { readSqliteSettings, type SqliteSettings } from './db/sqlite-settings.js'
export { isTransientDatabaseError } from './db/transient-error.js'
export {
  CoreError,
  type CoreErrorCode,
  isOpskitError,
  OpskitError,
  type OpskitErrorOptions,
  requiredOptionError,
} from './errors/opskit-error.js'
export { escapeHtml } from './html/escape-html.js'
export {
  BlockedAddressError,
  guardedLookup,
  type HostResolver,
  isInternalName,
  type ResolvedAddress,
  refusedHostLiteral,
  systemResolver,
} from './http/guarded-lookup.js'
export {
  createOutboundHttpClient,
  type OutboundHttpClient,
  type OutboundHttpOptions,
  type OutboundRequest,
  type OutboundResponse,
} from './http/outbound-http.js'
export { parseRetryAfter, type RetryAfterOptions } from './http/retry-after.js'
export {
  blockedAddressRange,
  IPV4_SPECIAL_PURPOSE,
  IPV6_SPECIAL_PURPOSE,
  isBlockedAddress,
  type SpecialPurposeRange,
  specialPurposeRange,
} from './http/special-addresses.js'
export { createUuidV7Generator, type IdGenerator, isUuidV7, uuidv7, uuidv7Timestamp } from './ids/uuid-v7.js'
export {
  type LogFn,
  type Logger,
  noopLogger,
  SECRET_FIELD_NAMES,
  secretRedactPaths,
} from './logger/logger.js'
export {
  createSecretRedactor,
  normaliseFieldName,
  redactSecrets,
  type SecretRedactionOptions,
} from './logger/redact-secrets.js'
export { createRedactor, type Redactor, type RedactorOptions } from './logger/redactor.js'
export { importOptional } from './optional/import-optional.js'
export { mulberry32 } from './random/mulberry32.js'
export { backoffDelay, type JitterMode, type RetryOptions, retry } from './retry/retry.js'
export { isValidTimeZone, type WallClock, wallClock } from './time/wall-clock.js'
export { describeIssues, type InputIssue, parseInput } from './validation/parse-input.js'
export {
  FORBIDDEN_KEYS,
  isBoundedJsonObject,
  type JsonLimits,
  jsonObjectSchema,
} from './validation/safe-json.js'
export {
  decodeWebhookSecret,
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
  type WebhookHeaders,
  type WebhookSignInput,
  type WebhookVerifyInput,
  webhookHeaders,
} from './webhooks/standard-webhooks.js'
