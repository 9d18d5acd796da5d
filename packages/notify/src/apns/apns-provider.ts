import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto'
import { type Clock, systemClock } from '@opskit/core'
import { missingOptionError, NotifyError, providerError, throwIfAborted } from '../errors/notify-error.js'
import type { ProviderCallOptions } from '../providers/provider-common.js'
import type { PushMessage, PushProvider, PushResult, PushTokenResult } from '../providers/push-provider.js'
import { type ApnsResponse, createApnsConnection } from './apns-connection.js'

/** Options of {@link createApnsProvider}. */
export interface ApnsProviderOptions {
  /** Provider name in the delivery log. @default 'apns' */
  name?: string
  /** The 10-character key id of the `.p8` key. */
  keyId: string
  /** The 10-character team id. */
  teamId: string
  /** The `.p8` key (PEM, PKCS#8 EC P-256). */
  privateKey: string
  /** The app's bundle id, sent as `apns-topic`. */
  bundleId: string
  /** Apple's production host instead of the sandbox. @default false */
  production?: boolean
  /** Another origin (a proxy, or a loopback h2c fake in tests); overrides `production`. */
  origin?: string
  /** Re-sign the provider token after this long (Apple: at most hourly, at least every 20 min). @default 3000000 (50 min) */
  tokenRefreshMs?: number
  /** Per-request timeout. @default 15000 */
  timeoutMs?: number
  /** Source of JWT `iat`. @default systemClock */
  clock?: Clock
}

const base64url = (input: Buffer | string) => Buffer.from(input).toString('base64url')

/** A UUID derived from the idempotency key and token, so a resend carries the same `apns-id`. */
function apnsId(key: string, token: string): string {
  const hex = createHash('sha256').update(`${key}\u0000${token}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`.toUpperCase()
}

const RETRYABLE_REASONS = new Set([
  'TooManyRequests',
  'InternalServerError',
  'ServiceUnavailable',
  'Shutdown',
  'ExpiredProviderToken',
])

/** Reasons that mean the provider's own credentials or topic are wrong: the whole send fails. */
const CREDENTIAL_REASONS = new Set([
  'InvalidProviderToken',
  'MissingProviderToken',
  'BadTopic',
  'TopicDisallowed',
])

/** The headers (without `authorization`) and JSON body of one push to one device token. */
function apnsRequest(
  message: PushMessage,
  token: string,
  bundleId: string,
  now: number,
): { headers: Record<string, string>; body: string; id: string } {
  const background = message.title === undefined && message.body === undefined
  const aps: Record<string, unknown> = {}
  if (!background)
    aps.alert = {
      ...(message.title ? { title: message.title } : {}),
      ...(message.body ? { body: message.body } : {}),
    }
  if (message.badge !== undefined) aps.badge = message.badge
  if (message.sound) aps.sound = message.sound
  if (background) aps['content-available'] = 1
  const id = apnsId(message.idempotencyKey, token)
  const headers: Record<string, string> = {
    'apns-topic': bundleId,
    'apns-push-type': background ? 'background' : 'alert',
    'apns-priority': background || message.priority === 'normal' ? '5' : '10',
    'apns-id': id,
    'content-type': 'application/json',
    ...(message.ttlMs === undefined
      ? {}
      : {
          'apns-expiration': String(message.ttlMs === 0 ? 0 : Math.floor((now + message.ttlMs) / 1000)),
        }),
    ...(message.collapseKey ? { 'apns-collapse-id': message.collapseKey } : {}),
  }
  return { headers, body: JSON.stringify({ ...(message.data ?? {}), aps }), id }
}

/** APNs's `reason` of a refusal, else `HTTP_<status>`. */
function refusalReason(response: ApnsResponse): string {
  try {
    return (JSON.parse(response.body) as { reason?: string }).reason ?? `HTTP_${response.status}`
  } catch {
    return `HTTP_${response.status}`
  }
}

/**
 * A {@link PushProvider} for Apple Push Notification service over `node:http2` with an ES256
 * provider token signed by `node:crypto` (no extra dependency). One HTTP/2 session is kept and
 * reused by every send (reconnected if it drops); tokens of a message go out as parallel streams.
 * 410 `Unregistered` marks a token gone (the notifier prunes it), 400 `BadDeviceToken` is
 * permanent, 429/5xx are retryable per token.
 *
 * @example
 * ```ts
 * import { createApnsProvider } from '@opskit/notify/apns'
 * const push = createApnsProvider({ keyId, teamId, privateKey: p8, bundleId: 'com.acme.app', production: true })
 * ```
 */
export function createApnsProvider(options: ApnsProviderOptions): PushProvider {
  for (const key of ['keyId', 'teamId', 'privateKey', 'bundleId'] as const) {
    if (!options[key]) throw missingOptionError('apns', key)
  }
  const name = options.name ?? 'apns'
  const clock = options.clock ?? systemClock
  const origin =
    options.origin ??
    (options.production ? 'https://api.push.apple.com' : 'https://api.sandbox.push.apple.com')
  const refreshMs = options.tokenRefreshMs ?? 50 * 60_000
  const timeoutMs = options.timeoutMs ?? 15_000
  let key: KeyObject
  try {
    key = createPrivateKey(options.privateKey)
  } catch (error) {
    throw new NotifyError('NOTIFY_INVALID_OPTIONS', '[apns] privateKey is not a valid PEM key', {
      cause: error,
    })
  }
  let jwt: { value: string; issuedAt: number } | undefined
  const connection = createApnsConnection(origin, timeoutMs)

  const providerToken = (force = false): string => {
    const now = clock.now()
    if (!force && jwt && now - jwt.issuedAt < refreshMs) return jwt.value
    const header = base64url(JSON.stringify({ alg: 'ES256', kid: options.keyId }))
    const claims = base64url(JSON.stringify({ iss: options.teamId, iat: Math.floor(now / 1000) }))
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' })
    jwt = { value: `${header}.${claims}.${base64url(signature)}`, issuedAt: now }
    return jwt.value
  }

  const sendOne = async (
    message: PushMessage,
    token: string,
    signal?: AbortSignal,
  ): Promise<PushTokenResult> => {
    const request = apnsRequest(message, token, options.bundleId, clock.now())
    request.headers.authorization = `bearer ${providerToken()}`
    let response: ApnsResponse
    try {
      response = await connection.post(token, request.headers, request.body, signal)
    } catch {
      return {
        token,
        ok: false,
        errorCode: 'NETWORK',
        errorMessage: 'HTTP/2 request failed',
        retryable: true,
      }
    }
    if (response.status === 200)
      return { token, ok: true, providerMessageId: String(response.headers['apns-id'] ?? request.id) }
    const reason = refusalReason(response)
    if (reason === 'ExpiredProviderToken') providerToken(true)
    if (CREDENTIAL_REASONS.has(reason)) {
      throw providerError({
        provider: name,
        retryable: false,
        message: `APNs refused the credentials: ${reason}`,
        providerCode: reason,
        status: response.status,
      })
    }
    return {
      token,
      ok: false,
      errorCode: reason,
      errorMessage: `APNs ${response.status} ${reason}`,
      ...(response.status === 410 || reason === 'Unregistered' ? { unregistered: true } : {}),
      ...(RETRYABLE_REASONS.has(reason) || response.status >= 500 || response.status === 429
        ? { retryable: true }
        : {}),
    }
  }

  return {
    name,
    channel: 'push',
    // raw APNs device tokens of iOS apps; FCM tokens (Android, web, iOS through Firebase) go to FCM
    capabilities: { maxBatchSize: 1000, platforms: ['ios'], tokenKinds: ['apns'] },
    async send(message: PushMessage, callOptions?: ProviderCallOptions): Promise<PushResult> {
      throwIfAborted(name, callOptions?.signal)
      const tokens = await Promise.all(
        message.tokens.map((token) => sendOne(message, token, callOptions?.signal)),
      )
      const first = tokens.find((token) => token.ok)
      return { tokens, ...(first?.providerMessageId ? { providerMessageId: first.providerMessageId } : {}) }
    },
    async verify() {
      providerToken(true)
      const current = connection.session()
      if (!current.connecting) return
      await new Promise<void>((resolve, reject) => {
        current.once('connect', () => resolve())
        current.once('error', (error) =>
          reject(
            providerError({
              provider: name,
              retryable: true,
              message: 'cannot connect to APNs',
              providerCode: 'NETWORK',
              cause: error,
            }),
          ),
        )
      })
    },
    close: () => connection.close(),
  }
}
