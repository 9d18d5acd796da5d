import {
  type Clock,
  createOutboundHttpClient,
  type HostResolver,
  isOpskitError,
  parseRetryAfter,
  systemClock,
  webhookHeaders,
} from '@opskit/core'
import {
  missingOptionError,
  type NotifyError,
  providerError,
  throwIfAborted,
} from '../errors/notify-error.js'
import type { ProviderCallOptions, ProviderResult } from '../providers/provider-common.js'
import type { WebhookMessage, WebhookProvider } from '../providers/webhook-provider.js'

/** Options of {@link createWebhookProvider}. */
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
   * guard (`@opskit/core`'s `createOutboundHttpClient`) refuses every IANA special-purpose block
   * in the URL's IP literal and in every address the hostname resolves to, at connect time.
   * @default false
   */
  allowPrivateNetworks?: boolean
  /**
   * Resolves a hostname to all its addresses; the connection goes to the addresses it returns,
   * after the SSRF guard checked every one of them.
   * @default the system resolver (`dns.lookup(host, { all: true })`)
   */
  lookup?: HostResolver
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

/**
 * The provider error of a POST that got no answer: a refused private or reserved address is
 * permanent; a timeout, an abort or a network failure is retryable.
 */
function requestFailure(provider: string, timeoutMs: number, error: unknown): NotifyError {
  if (isOpskitError(error, 'CORE_OUTBOUND_REFUSED')) {
    const details = error.details as { host: string; reason: string; address?: string }
    const detail = `${details.host}${details.address ? ` → ${details.address}` : ''}: ${details.reason}`
    return providerError({
      provider,
      retryable: false,
      message: `refusing to post to a private or reserved address (${detail})`,
      providerCode: 'PRIVATE_ADDRESS',
      recipientInvalid: true,
    })
  }
  const timedOut = isOpskitError(error, 'CORE_OUTBOUND_TIMEOUT')
  const aborted = isOpskitError(error, 'CORE_ABORTED')
  return providerError({
    provider,
    retryable: true,
    message: timedOut ? `no answer within ${timeoutMs} ms` : aborted ? 'aborted' : 'connection failed',
    providerCode: timedOut || aborted ? 'TIMEOUT' : 'NETWORK',
    cause: error,
  })
}

/**
 * A {@link WebhookProvider} that posts `{ type, timestamp, data }` signed per Standard Webhooks
 * (`webhook-id` = the idempotency key, stable across retries; `webhook-timestamp`;
 * `webhook-signature` with one `v1,` signature per secret). 2xx is success; 410 disables the
 * endpoint; 408, 429 and 5xx are transient (Retry-After honoured); redirects are not followed.
 *
 * @example
 * ```ts
 * import { createWebhookProvider } from '@opskit/notify/webhook'
 * const hooks = createWebhookProvider({ secrets: process.env.WEBHOOK_SECRET! })
 * ```
 */
export function createWebhookProvider(options: WebhookProviderOptions): StandardWebhookProvider {
  const secrets = Array.isArray(options.secrets) ? options.secrets : [options.secrets]
  if (secrets.length === 0 || secrets.some((secret) => !secret))
    throw missingOptionError('webhook', 'secrets')
  const name = options.name ?? 'webhook'
  const clock = options.clock ?? systemClock
  const timeoutMs = options.timeoutMs ?? 15_000
  const client = createOutboundHttpClient({
    allowPrivateNetworks: options.allowPrivateNetworks === true,
    timeoutMs,
    maxResponseBytes: 1024,
    ...(options.lookup ? { resolver: options.lookup } : {}),
  })
  const disabled = new Set<string>()

  return {
    name,
    channel: 'webhook',
    disabledEndpoints: () => [...disabled],
    enableEndpoint: (url) => {
      disabled.delete(url)
    },
    async close() {
      client.close()
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
      let response: Awaited<ReturnType<typeof client.request>>
      try {
        response = await client.request(url, {
          method: 'POST',
          body,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'user-agent': options.userAgent ?? 'opskit-notify-webhook',
          },
          ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
        })
      } catch (error) {
        throw requestFailure(name, timeoutMs, error)
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
