import { randomBytes } from 'node:crypto'
import { constantTimeEqual } from '../crypto/constant-time.js'
import { hmacSha256 } from '../crypto/hmac.js'
import { CoreError } from '../errors/opskit-error.js'

const SECRET_PREFIX = 'whsec_'
const SIGNATURE_VERSION = 'v1'

/** Default tolerance between a webhook's timestamp and the receiver's clock: 5 minutes. */
export const WEBHOOK_TOLERANCE_SECONDS = 300

/** The three headers of a Standard Webhooks delivery. */
export interface WebhookHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

/** What {@link signWebhook} signs: the message id, its time and the exact bytes sent. */
export interface WebhookSignInput {
  /** Unique message id, the same on every retry of one message (receivers dedupe on it). */
  id: string
  /** When the message was signed: a Date or Unix seconds. */
  timestamp: Date | number
  /** The exact body sent. */
  payload: string | Uint8Array
  /** One secret (`whsec_<base64>` or raw bytes) or several during rotation; each yields a signature. */
  secrets: string | Uint8Array | ReadonlyArray<string | Uint8Array>
}

/** Creates a new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(bytes = 32): string {
  if (bytes < 24 || bytes > 64)
    throw new CoreError('CORE_INVALID_ARGUMENT', 'webhook secrets are 24 to 64 bytes long')
  return `${SECRET_PREFIX}${randomBytes(bytes).toString('base64')}`
}

/** Decodes a `whsec_…` secret (the prefix is optional) to its key bytes. */
export function decodeWebhookSecret(secret: string | Uint8Array): Buffer {
  if (typeof secret !== 'string') return Buffer.from(secret)
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret
  const key = Buffer.from(body, 'base64')
  if (key.length === 0 || key.toString('base64').replace(/=+$/, '') !== body.replace(/=+$/, '')) {
    throw new CoreError(
      'CORE_INVALID_ARGUMENT',
      'webhook secret is not valid base64 (expected whsec_<base64>)',
    )
  }
  return key
}

function toSeconds(timestamp: Date | number): number {
  return typeof timestamp === 'number' ? Math.floor(timestamp) : Math.floor(timestamp.getTime() / 1000)
}

function signedContent(id: string, seconds: number, payload: string | Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${seconds}.`), Buffer.from(payload)])
}

function asList(secrets: WebhookSignInput['secrets']): ReadonlyArray<string | Uint8Array> {
  return typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : secrets
}

/**
 * Signs a payload as the Standard Webhooks specification says: HMAC-SHA256 over
 * `{id}.{timestamp}.{payload}`, as `v1,<base64>`; with several secrets the signatures are
 * space-separated so receivers holding either the old or the new secret accept it.
 */
export function signWebhook(input: WebhookSignInput): string {
  const content = signedContent(input.id, toSeconds(input.timestamp), input.payload)
  return asList(input.secrets)
    .map((secret) => `${SIGNATURE_VERSION},${hmacSha256(decodeWebhookSecret(secret), content, 'base64')}`)
    .join(' ')
}

/** The three Standard Webhooks headers for a payload. */
export function webhookHeaders(input: WebhookSignInput): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(toSeconds(input.timestamp)),
    'webhook-signature': signWebhook(input),
  }
}

/** Options for {@link verifyWebhook}. */
export interface WebhookVerifyInput {
  /** The request headers (any case); a Headers object or a plain record. */
  headers: Headers | Record<string, string | string[] | undefined>
  /** The raw body exactly as received. */
  payload: string | Uint8Array
  /** The secret, or several during rotation: any match passes. */
  secrets: WebhookSignInput['secrets']
  /** Allowed distance between the webhook timestamp and now. @default 300 */
  toleranceSeconds?: number | undefined
  /** The receiver's current time in ms. @default Date.now() */
  now?: number | undefined
}

function header(headers: WebhookVerifyInput['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const record = headers as Record<string, string | string[] | undefined>
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name)
  const value = key === undefined ? undefined : record[key]
  return Array.isArray(value) ? value[0] : value
}

/**
 * Verifies a Standard Webhooks delivery: headers present, timestamp within the tolerance, and
 * at least one `v1` signature matching one of the secrets (constant-time). Returns the message
 * id and timestamp; throws a {@link CoreError} saying which check failed otherwise.
 */
export function verifyWebhook(input: WebhookVerifyInput): { id: string; timestamp: number } {
  const id = header(input.headers, 'webhook-id')
  const timestampText = header(input.headers, 'webhook-timestamp')
  const signatures = header(input.headers, 'webhook-signature')
  if (!id || !timestampText || !signatures) {
    throw new CoreError(
      'CORE_WEBHOOK_MISSING_HEADERS',
      'webhook-id, webhook-timestamp and webhook-signature are required',
    )
  }
  const seconds = Number(timestampText)
  const nowSeconds = Math.floor((input.now ?? Date.now()) / 1000)
  const tolerance = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS
  if (!/^\d+$/.test(timestampText) || Math.abs(nowSeconds - seconds) > tolerance) {
    throw new CoreError(
      'CORE_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
      `webhook timestamp is more than ${tolerance}s from now`,
      {
        details: { timestamp: timestampText },
      },
    )
  }
  const content = signedContent(id, seconds, input.payload)
  const expected = asList(input.secrets).map((secret) =>
    hmacSha256(decodeWebhookSecret(secret), content, 'base64'),
  )
  const offered = signatures
    .split(/\s+/)
    .filter((entry) => entry.startsWith(`${SIGNATURE_VERSION},`))
    .map((entry) => entry.slice(SIGNATURE_VERSION.length + 1))
  let matched = false
  for (const candidate of offered) {
    for (const digest of expected) if (constantTimeEqual(candidate, digest)) matched = true
  }
  if (!matched) throw new CoreError('CORE_WEBHOOK_INVALID_SIGNATURE', 'no webhook signature matches')
  return { id, timestamp: seconds }
}
