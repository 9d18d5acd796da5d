/**
 * `@opskit/core`: the small shared kernel of opskit — errors, clock, ids, logger, database
 * helpers, retry with backoff, HMAC and Standard Webhooks signing, input validation.
 * @packageDocumentation
 */

export { type Clock, systemClock, type TimerHandle } from './clock/clock.js'
export { constantTimeEqual, sha256Hex } from './crypto/constant-time.js'
export { type DigestEncoding, hmacSha256, verifyHmacSha256 } from './crypto/hmac.js'
export type { HostDatabase } from './db/host-database.js'
export {
  DEFAULT_TABLE_PREFIX,
  type MigrateOptions,
  type MigrateResult,
  type MigrationSet,
  migrate,
} from './db/migrate.js'
export { isTransientDatabaseError } from './db/transient-error.js'
export {
  CoreError,
  type CoreErrorCode,
  isOpskitError,
  OpskitError,
  type OpskitErrorOptions,
} from './errors/opskit-error.js'
export { BlockedAddressError, type HostResolver, type ResolvedAddress } from './http/guarded-lookup.js'
export {
  createOutboundHttpClient,
  type OutboundHttpClient,
  type OutboundHttpOptions,
  type OutboundRequest,
  type OutboundResponse,
} from './http/outbound-http.js'
export { parseRetryAfter, type RetryAfterOptions } from './http/retry-after.js'
export { isBlockedAddress } from './http/special-addresses.js'
export { createUuidV7Generator, type IdGenerator, isUuidV7, uuidv7, uuidv7Timestamp } from './ids/uuid-v7.js'
export {
  type LogFn,
  type Logger,
  noopLogger,
  SECRET_FIELD_NAMES,
  secretRedactPaths,
} from './logger/logger.js'
export { createSecretRedactor, redactSecrets, type SecretRedactionOptions } from './logger/redact-secrets.js'
export type { RetentionPolicy, RetentionReport, RetentionRule } from './retention/retention-policy.js'
export { type JitterMode, type RetryOptions, retry } from './retry/retry.js'
export type { TenantMode } from './tenancy/tenant-scope.js'
export { type Duration, type DurationUnit, parseDuration } from './time/duration.js'
export { describeIssues, type InputIssue, parseInput } from './validation/parse-input.js'
export { type JsonLimits, jsonObjectSchema } from './validation/safe-json.js'
export {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
  type WebhookHeaders,
  type WebhookSignInput,
  type WebhookVerifyInput,
  webhookHeaders,
} from './webhooks/standard-webhooks.js'
