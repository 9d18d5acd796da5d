import http, { type IncomingHttpHeaders } from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { type Clock, requiredOptionError, systemClock, webhookHeaders } from '@opskit/core'
import { parseRetryAfter, providerError, throwIfAborted } from '../errors/notify-error.js'
import type { ProviderCallOptions, ProviderResult } from '../providers/provider-common.js'
import type { WebhookMessage, WebhookProvider } from '../providers/webhook-provider.js'
import {
  BlockedAddressError,
  guardedLookup,
  isBlockedAddress,
  isInternalName,
  systemResolver,
  type WebhookResolver,
} from './address-guard.js'

/** Options of {@link webhookProvider}. */
export interface WebhookProviderOptions {
  /** Provider name in the delivery log. @default 'webhook' */
  name?: string
  /**
   * Signing secret(s), `whsec_<base64>`. During rotation give `[newSecret, oldSecret]`: each
   * request carries one signature per secret, so receivers holding either accept it.
   */
  secrets: string | string[]
  /** Request timeout. @default 15000 */
  timeoutMs?: number
  /**
   * Allow loopback, private, link-local and reserved targets (SSRF guard off). Without it the
   * guard checks the URL's IP literal and every address the hostname resolves to, at connect time.
   * @default false
   */
  allowPrivateNetworks?: boolean
  /**
   * Resolves a hostname to all its addresses; the connection goes to the addresses it returns,
   * after the SSRF guard checked every one of them.
   * @default the system resolver (`dns.lookup(host, { all: true })`)
   */
  lookup?: WebhookResolver
  /** `User-Agent` header. @default 'opskit-notify-webhook' */
  userAgent?: string
  /** Source of the `webhook-timestamp`. @default systemClock */
  clock?: Clock
}

/** A webhook provider that also reports the endpoints it disabled after a 410. */
export interface StandardWebhookProvider extends WebhookProvider {
  /** URLs that answered 410 Gone: no further deliveries are attempted. */
  disabledEndpoints(): string[]
  /** Re-enables a URL (the receiver came back). */
  enableEndpoint(url: string): void
  /** Closes the kept-alive connections. */
  close(): Promise<void>
}

/** The guard's verdict on the URL itself: an IP literal or an internal name. */
function refusedLiteral(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) !== 0) return isBlockedAddress(host)
  return isInternalName(host)
}

interface PostResult {
  status: number
  headers: IncomingHttpHeaders
}

/**
 * A {@link WebhookProvider} that posts `{ type, timestamp, data }` signed per Standard Webhooks
 * (`webhook-id` = the idempotency key, stable across retries; `webhook-timestamp`;
 * `webhook-signature` with one `v1,` signature per secret). 2xx is success; 410 disables the
 * endpoint; 408, 429 and 5xx are transient (Retry-After honoured); redirects are not followed.
 *
 * @example
 * ```ts
 * import { webhookProvider } from '@opskit/notify/webhook'
 * const hooks = webhookProvider({ secrets: process.env.WEBHOOK_SECRET! })
 * ```
 */
export function webhookProvider(options: WebhookProviderOptions): StandardWebhookProvider {
  const secrets = Array.isArray(options.secrets) ? options.secrets : [options.secrets]
  if (secrets.length === 0 || secrets.some((secret) => !secret))
    throw requiredOptionError('notify', 'webhook', 'secrets')
  const name = options.name ?? 'webhook'
  const clock = options.clock ?? systemClock
  const timeoutMs = options.timeoutMs ?? 15_000
  const guard = !options.allowPrivateNetworks
  const lookup = guardedLookup(options.lookup ?? systemResolver, guard)
  const agents = {
    http: new http.Agent({ keepAlive: true, lookup }),
    https: new https.Agent({ keepAlive: true, lookup }),
  }
  const disabled = new Set<string>()

  const post = (url: URL, body: string, headers: Record<string, string>, signal: AbortSignal) =>
    new Promise<PostResult>((resolve, reject) => {
      const secure = url.protocol === 'https:'
      const request = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          lookup,
          signal,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (response) => {
          // Only the status and headers matter; drain the body so the connection can be reused.
          response.resume()
          response.on('error', () => undefined)
          resolve({ status: response.statusCode ?? 0, headers: response.headers })
        },
      )
      request.on('error', reject)
      request.end(body)
    })

  const refuse = (detail: string) =>
    providerError({
      provider: name,
      retryable: false,
      message: `refusing to post to a private or reserved address (${detail})`,
      providerCode: 'PRIVATE_ADDRESS',
      recipientInvalid: true,
    })

  return {
    name,
    channel: 'webhook',
    disabledEndpoints: () => [...disabled],
    enableEndpoint: (url) => {
      disabled.delete(url)
    },
    async close() {
      agents.http.destroy()
      agents.https.destroy()
    },
    async send(message: WebhookMessage, callOptions?: ProviderCallOptions): Promise<ProviderResult> {
      throwIfAborted(name, callOptions?.signal)
      const url = new URL(message.url)
      if (disabled.has(message.url)) {
        throw providerError({
          provider: name,
          retryable: false,
          message: 'endpoint disabled after 410 Gone',
          providerCode: 'ENDPOINT_DISABLED',
          recipientInvalid: true,
        })
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw providerError({
          provider: name,
          retryable: false,
          message: `unsupported URL scheme ${url.protocol}`,
          providerCode: 'UNSUPPORTED_URL',
          recipientInvalid: true,
        })
      }
      // IP literals never reach `lookup`, so the guard judges them here.
      if (guard && refusedLiteral(url.hostname)) throw refuse(url.hostname)
      const now = clock.now()
      const body = JSON.stringify({
        type: message.type,
        timestamp: new Date(now).toISOString(),
        data: message.data,
      })
      const headers = webhookHeaders({
        id: message.idempotencyKey,
        timestamp: Math.floor(now / 1000),
        payload: body,
        secrets,
      })
      const timeout = AbortSignal.timeout(timeoutMs)
      const signal = AbortSignal.any([timeout, ...(callOptions?.signal ? [callOptions.signal] : [])])
      let response: PostResult
      try {
        response = await post(
          url,
          body,
          {
            ...headers,
            'content-type': 'application/json',
            'user-agent': options.userAgent ?? 'opskit-notify-webhook',
          },
          signal,
        )
      } catch (error) {
        if (error instanceof BlockedAddressError) throw refuse(`${error.hostname} → ${error.address}`)
        const aborted = signal.aborted
        throw providerError({
          provider: name,
          retryable: true,
          message: aborted
            ? timeout.aborted
              ? `no answer within ${timeoutMs} ms`
              : 'aborted'
            : 'connection failed',
          providerCode: aborted ? 'TIMEOUT' : 'NETWORK',
          cause: error,
        })
      }
      const status = response.status
      if (status >= 200 && status < 300) return { providerMessageId: message.idempotencyKey }
      if (status === 410) {
        disabled.add(message.url)
        throw providerError({
          provider: name,
          retryable: false,
          message: 'endpoint answered 410 Gone; disabled',
          providerCode: 410,
          status,
          recipientInvalid: true,
        })
      }
      const retryable = status === 408 || status === 429 || status >= 500
      const retryAfter = response.headers['retry-after']
      const retryAfterMs = parseRetryAfter(
        Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        clock.now(),
      )
      throw providerError({
        provider: name,
        retryable,
        message:
          status >= 300 && status < 400 ? `redirect ${status} not followed` : `endpoint answered ${status}`,
        providerCode: status,
        status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      })
    },
  }
}
