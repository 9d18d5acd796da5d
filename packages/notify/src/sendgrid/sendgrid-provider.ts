import {
  createOutboundHttpClient,
  type HostResolver,
  isOpskitError,
  type OutboundResponse,
  parseRetryAfter,
} from '@opskit/core'
import { missingOptionError, providerError, throwIfAborted } from '../errors/notify-error.js'
import type { EmailMessage, EmailProvider, EmailTracking } from '../providers/email-provider.js'
import type { ProviderCallOptions, ProviderResult } from '../providers/provider-common.js'

/** Options of {@link createSendGridProvider}. */
export interface SendGridProviderOptions {
  /** Provider name in the delivery log. @default 'sendgrid' */
  name?: string
  /** API key (`SG.…`), sent as a bearer token; never logged. */
  apiKey: string
  /** Default sender: `a@b.test` or `"Name" <a@b.test>`. */
  from: string
  /** API origin (EU data residency `https://api.eu.sendgrid.com`, or a loopback fake). @default 'https://api.sendgrid.com' */
  baseUrl?: string
  /** Request timeout. @default 15000 */
  timeoutMs?: number
  /**
   * Let `baseUrl` be a loopback, private or other special-purpose address (the SSRF guard off):
   * for a loopback fake in tests or a relay the host runs itself. @default false
   */
  allowPrivateNetworks?: boolean
  /** Resolves the API host; every address is checked and the connection pinned to it. @default the system resolver */
  resolver?: HostResolver
  /**
   * Click/open tracking of every message this provider sends, overridden member by member by the
   * notifier's `defaults.emailTracking` and the message's `email.tracking`.
   * @default the SendGrid account's tracking settings
   */
  tracking?: EmailTracking
}

/**
 * SendGrid's `tracking_settings` for what is set: `click_tracking` (in the HTML and text parts)
 * and `open_tracking`; nothing when neither is set, so the account's settings apply.
 */
function trackingSettings(tracking: EmailTracking): {
  tracking_settings?: Record<string, Record<string, boolean>>
} {
  const settings: Record<string, Record<string, boolean>> = {}
  if (tracking.clicks !== undefined)
    settings.click_tracking = { enable: tracking.clicks, enable_text: tracking.clicks }
  if (tracking.opens !== undefined) settings.open_tracking = { enable: tracking.opens }
  return Object.keys(settings).length > 0 ? { tracking_settings: settings } : {}
}

function address(value: string): { email: string; name?: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(value)
  if (!match) return { email: value.trim() }
  const name = match[1]?.trim()
  return { email: (match[2] as string).trim(), ...(name ? { name } : {}) }
}

/**
 * An {@link EmailProvider} on SendGrid's v3 HTTP API (`POST /v3/mail/send`), with no SDK,
 * through `@opskit/core`'s SSRF-guarded client (redirects never followed, so the bearer key never
 * travels to another host; `baseUrl` in a special-purpose range only with `allowPrivateNetworks`):
 * 202 carries the `X-Message-Id`; 400 is permanent (the first `errors[]` message is reported);
 * 429 and 5xx are transient, honouring `Retry-After`. `verify()` reads `/v3/scopes`.
 *
 * @example
 * ```ts
 * import { createSendGridProvider } from '@opskit/notify/sendgrid'
 * const email = createSendGridProvider({ apiKey: process.env.SENDGRID_API_KEY!, from: 'no-reply@acme.test' })
 * ```
 */
export function createSendGridProvider(options: SendGridProviderOptions): EmailProvider {
  if (!options.apiKey) throw missingOptionError('sendgrid', 'apiKey')
  if (!options.from) throw missingOptionError('sendgrid', 'from')
  const name = options.name ?? 'sendgrid'
  const baseUrl = (options.baseUrl ?? 'https://api.sendgrid.com').replace(/\/$/, '')
  const timeoutMs = options.timeoutMs ?? 15_000

  const client = createOutboundHttpClient({
    allowPrivateNetworks: options.allowPrivateNetworks === true,
    timeoutMs,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  })

  const call = async (
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<OutboundResponse> => {
    try {
      return await client.request(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      })
    } catch (error) {
      const refused = isOpskitError(error, 'CORE_OUTBOUND_REFUSED')
      throw providerError({
        provider: name,
        retryable: !refused,
        message: refused
          ? `refusing a private or reserved API address (${error.message})`
          : 'request to SendGrid failed',
        providerCode: refused ? 'PRIVATE_ADDRESS' : 'NETWORK',
        cause: error,
      })
    }
  }

  const fail = async (response: OutboundResponse): Promise<never> => {
    const status = response.status
    let detail = ''
    try {
      const parsed = JSON.parse(response.text()) as {
        errors?: Array<{ message?: string; field?: string | null }>
      }
      const first = parsed.errors?.[0]
      if (first?.message) detail = `: ${first.field ? `${first.field}: ` : ''}${first.message}`
    } catch {
      detail = ''
    }
    const retryAfter = response.headers['retry-after']
    const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, Date.now())
    throw providerError({
      provider: name,
      retryable: status === 429 || status >= 500,
      message: (status >= 300 && status < 400
        ? `SendGrid ${status}: redirect not followed`
        : `SendGrid ${status}${detail}`
      ).slice(0, 300),
      providerCode: status,
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
  }

  return {
    name,
    channel: 'email',
    capabilities: { attachments: true },
    async send(message: EmailMessage, callOptions?: ProviderCallOptions): Promise<ProviderResult> {
      throwIfAborted(name, callOptions?.signal)
      const headers: Record<string, string> = { ...(message.headers ?? {}) }
      if (message.listUnsubscribe) {
        const targets = message.listUnsubscribe
          .split(',')
          .map((t) => t.trim().replace(/^<|>$/g, ''))
          .filter(Boolean)
        headers['List-Unsubscribe'] = targets.map((t) => `<${t}>`).join(', ')
        if (targets.some((t) => t.startsWith('https://')))
          headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
      }
      const body = {
        personalizations: [{ to: message.to.map((email) => ({ email })) }],
        from: address(message.from ?? options.from),
        ...(message.replyTo ? { reply_to: address(message.replyTo) } : {}),
        subject: message.subject,
        content: [
          { type: 'text/plain', value: message.text },
          ...(message.html ? [{ type: 'text/html', value: message.html }] : []),
        ],
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(message.attachments
          ? {
              attachments: message.attachments.map((attachment) => ({
                content: Buffer.from(attachment.content).toString('base64'),
                filename: attachment.filename,
                ...(attachment.contentType ? { type: attachment.contentType } : {}),
                disposition: 'attachment',
              })),
            }
          : {}),
        custom_args: { idempotency_key: message.idempotencyKey },
        ...trackingSettings({ ...options.tracking, ...message.tracking }),
      }
      const response = await call('POST', '/v3/mail/send', body, callOptions?.signal)
      if (response.status !== 202 && response.status !== 200) return fail(response)
      const id = response.headers['x-message-id']
      return typeof id === 'string' && id ? { providerMessageId: id } : {}
    },
    async close() {
      client.close()
    },
    async verify() {
      const response = await call('GET', '/v3/scopes', undefined)
      if (response.status < 200 || response.status >= 300) await fail(response)
    },
  }
}
