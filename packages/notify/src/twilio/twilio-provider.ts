import { isOpskitError, parseRetryAfter } from '@opskit/core'
import twilio from 'twilio'
import { missingOptionError, NotifyError, providerError, throwIfAborted } from '../errors/notify-error.js'
import type { ProviderCallOptions, ProviderResult } from '../providers/provider-common.js'
import type { SmsMessage, SmsProvider } from '../providers/sms-provider.js'

/** Options of {@link createTwilioProvider}. */
export interface TwilioProviderOptions {
  /** Provider name in the delivery log. @default 'twilio' */
  name?: string
  /** Account SID (`AC…`). */
  accountSid: string
  authToken: string
  /** Sender number (E.164) or alphanumeric id; or use `messagingServiceSid`. */
  from?: string
  /** Messaging Service (`MG…`) instead of `from`. */
  messagingServiceSid?: string
  /** URL Twilio posts delivery status to. */
  statusCallback?: string
  /** Request timeout. @default 15000 */
  timeoutMs?: number
  /**
   * Send the library's requests to this origin instead of `https://api.twilio.com`
   * (a regional proxy, or a loopback fake in tests). The path and auth stay as the library builds them.
   */
  baseUrl?: string
}

/** Twilio error codes that mean the recipient itself cannot get the SMS. */
const RECIPIENT_CODES = new Set([21211, 21214, 21217, 21610, 21612, 21614, 21408])

interface TwilioRestError extends Error {
  status?: number
  code?: number
}

interface HttpRequestOptions {
  uri: string
  [key: string]: unknown
}

/**
 * An {@link SmsProvider} on the official `twilio` library (`messages.create`). Retries are left
 * to the notifier (the library's own auto-retry stays off); 429 and 5xx are transient with
 * `Retry-After`; Twilio's 21211 (invalid To), 21614, 21610 … are permanent and mark the
 * recipient invalid, so no failover is attempted. The price and segment count Twilio returns go
 * to the delivery log.
 *
 * @example
 * ```ts
 * import { createTwilioProvider } from '@opskit/notify/twilio'
 * const sms = createTwilioProvider({ accountSid, authToken, from: '+15005550006' })
 * ```
 */
export function createTwilioProvider(options: TwilioProviderOptions): SmsProvider {
  if (!options.accountSid) throw missingOptionError('twilio', 'accountSid')
  if (!options.authToken) throw missingOptionError('twilio', 'authToken')
  if (!options.from && !options.messagingServiceSid) throw missingOptionError('twilio', 'from')
  if (!options.accountSid.startsWith('AC')) {
    throw new NotifyError('NOTIFY_INVALID_OPTIONS', '[twilio] accountSid must start with AC')
  }
  const name = options.name ?? 'twilio'
  const inner = new twilio.RequestClient({ timeout: options.timeoutMs ?? 15_000, keepAlive: true })
  const base = options.baseUrl ? new URL(options.baseUrl) : undefined
  const httpClient = {
    async request(requestOptions: HttpRequestOptions) {
      const uri = base ? rewrite(requestOptions.uri, base) : requestOptions.uri
      const response = await inner.request({ ...requestOptions, uri } as Parameters<typeof inner.request>[0])
      if (response.statusCode === 429) {
        const retryAfterMs = parseRetryAfter(headerOf(response.headers, 'retry-after'), Date.now())
        throw providerError({
          provider: name,
          retryable: true,
          message: 'rate limited (429)',
          providerCode: errorCode(response.body) ?? 429,
          status: 429,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        })
      }
      return response
    },
  }
  const client = twilio(options.accountSid, options.authToken, {
    httpClient: httpClient as unknown as InstanceType<typeof twilio.RequestClient>,
    autoRetry: false,
  })

  const classify = (error: unknown) => {
    if (isOpskitError(error)) return error
    const rest = error as TwilioRestError
    if (typeof rest.status === 'number') {
      const code = rest.code
      const retryable = rest.status >= 500 || rest.status === 429 || rest.status === 408
      return providerError({
        provider: name,
        retryable,
        message: `Twilio ${rest.status}${code ? ` error ${code}` : ''}`,
        providerCode: code ?? rest.status,
        status: rest.status,
        ...(code !== undefined && RECIPIENT_CODES.has(code) ? { recipientInvalid: true } : {}),
        cause: error,
      })
    }
    return providerError({
      provider: name,
      retryable: true,
      message: 'request to Twilio failed',
      providerCode: 'NETWORK',
      cause: error,
    })
  }

  return {
    name,
    channel: 'sms',
    async send(message: SmsMessage, callOptions?: ProviderCallOptions): Promise<ProviderResult> {
      throwIfAborted(name, callOptions?.signal)
      try {
        const sent = await client.messages.create({
          to: message.to,
          body: message.body,
          ...((message.from ?? options.from) ? { from: message.from ?? options.from } : {}),
          ...(options.messagingServiceSid ? { messagingServiceSid: options.messagingServiceSid } : {}),
          ...(options.statusCallback ? { statusCallback: options.statusCallback } : {}),
        })
        const segments = Number(sent.numSegments)
        const price =
          sent.price === null || sent.price === undefined ? undefined : Math.abs(Number(sent.price))
        return {
          providerMessageId: sent.sid,
          ...(Number.isFinite(segments) && segments > 0 ? { segments } : {}),
          ...(price !== undefined && Number.isFinite(price)
            ? { cost: { amount: price, currency: (sent.priceUnit ?? 'USD').toUpperCase() } }
            : {}),
        }
      } catch (error) {
        throw classify(error)
      }
    },
    async verify() {
      try {
        await client.api.v2010.accounts(options.accountSid).fetch()
      } catch (error) {
        throw classify(error)
      }
    },
  }
}

function rewrite(uri: string, base: URL): string {
  const url = new URL(uri)
  const basePath = base.pathname.replace(/\/$/, '')
  return `${base.origin}${basePath}${url.pathname}${url.search}`
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined
  const record = headers as Record<string, unknown>
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name)
  const value = key === undefined ? undefined : record[key]
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined
}

function errorCode(body: unknown): number | undefined {
  try {
    const parsed = typeof body === 'string' ? JSON.parse(body) : body
    const code = (parsed as { code?: unknown })?.code
    return typeof code === 'number' ? code : undefined
  } catch {
    return undefined
  }
}
