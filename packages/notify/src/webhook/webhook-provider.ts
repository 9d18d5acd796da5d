import { isIP } from 'node:net'
import { type Clock, requiredOptionError, systemClock, webhookHeaders } from '@opskit/core'
import { parseRetryAfter, providerError } from '../errors/notify-error.js'
import type { ProviderCallOptions, ProviderResult } from '../providers/provider-common.js'
import type { WebhookMessage, WebhookProvider } from '../providers/webhook-provider.js'

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
  /** Allow loopback, private and link-local targets (SSRF guard off). @default false */
  allowPrivateNetworks?: boolean
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
}

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')) return true
  const version = isIP(host)
  if (version === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number]
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    )
  }
  if (version === 6)
    return (
      host === '::1' ||
      host === '::' ||
      /^f[cd]/.test(host) ||
      /^fe[89ab]/.test(host) ||
      host.startsWith('::ffff:')
    )
  return false
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
  const disabled = new Set<string>()

  return {
    name,
    channel: 'webhook',
    disabledEndpoints: () => [...disabled],
    enableEndpoint: (url) => {
      disabled.delete(url)
    },
    async send(message: WebhookMessage, callOptions?: ProviderCallOptions): Promise<ProviderResult> {
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
      if (!options.allowPrivateNetworks && isPrivateHost(url.hostname)) {
        throw providerError({
          provider: name,
          retryable: false,
          message: `refusing to post to a private address (${url.hostname})`,
          providerCode: 'PRIVATE_ADDRESS',
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
      const signals = [AbortSignal.timeout(timeoutMs), ...(callOptions?.signal ? [callOptions.signal] : [])]
      let response: Response
      try {
        response = await fetch(url, {
          method: 'POST',
          body,
          redirect: 'manual',
          signal: AbortSignal.any(signals),
          headers: {
            ...headers,
            'content-type': 'application/json',
            'user-agent': options.userAgent ?? 'opskit-notify-webhook',
          },
        })
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError'
        throw providerError({
          provider: name,
          retryable: true,
          message: timedOut ? `no answer within ${timeoutMs} ms` : 'connection failed',
          providerCode: timedOut ? 'TIMEOUT' : 'NETWORK',
          cause: error,
        })
      }
      await response.arrayBuffer().catch(() => undefined)
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
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now())
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
