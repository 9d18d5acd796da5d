import {
  createOutboundHttpClient,
  type HostResolver,
  isOpskitError,
  type OutboundHttpClient,
  parseRetryAfter,
} from '@opskit/core'
import { MonitorError } from '../errors/monitor-error.js'

/** Outbound-HTTP options every HTTP channel (webhook, Slack, PagerDuty) takes. */
export interface OutboundChannelOptions {
  /**
   * Let the channel reach loopback, private, link-local and other special-purpose addresses
   * (the SSRF guard off): only for a receiver the host runs itself, or a loopback fake in tests.
   * @default false
   */
  allowPrivateNetworks?: boolean
  /**
   * Resolves the receiver's hostname; every address it returns is checked and the connection
   * goes to those very addresses. @default the system resolver
   */
  resolver?: HostResolver
  /** Whole-request timeout, on top of the dispatcher's signal. @default 15000 */
  timeoutMs?: number
}

/** The guarded client of one channel (redirects never followed, bodies read up to 64 KiB). */
export function channelClient(options: OutboundChannelOptions): OutboundHttpClient {
  return createOutboundHttpClient({
    allowPrivateNetworks: options.allowPrivateNetworks === true,
    resolver: options.resolver,
    timeoutMs: options.timeoutMs,
  })
}

const fail = (channel: string, message: string, retryable: boolean, extra: object = {}) =>
  new MonitorError('MONITOR_CHANNEL_FAILED', `${channel}: ${message}`, { retryable, ...extra })

/**
 * Posts JSON through the channel's guarded client and classifies the outcome: 429, 5xx, network
 * failures and timeouts are retryable; a refused address, a redirect (never followed) and other
 * 4xx are not. Error messages carry the status, never the receiver's body.
 */
export async function postJson(
  client: OutboundHttpClient,
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  channel: string,
): Promise<{ status: number; text: string }> {
  let response: Awaited<ReturnType<OutboundHttpClient['request']>>
  try {
    response = await client.request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal,
    })
  } catch (error) {
    const retryable = isOpskitError(error) && error.retryable && !signal.aborted
    const reason = isOpskitError(error) ? error.message.replace(/^\[opskit\/core\] /, '') : 'request failed'
    throw fail(channel, reason, retryable, { cause: error })
  }
  const status = response.status
  if (status === 429 || status >= 500) {
    // seconds or an HTTP-date (core's parser); a date already past asks for no wait
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'])
    throw fail(channel, `HTTP ${status}`, true, {
      details: { status, ...(retryAfterMs ? { retryAfterMs } : {}) },
    })
  }
  if (status >= 300 && status < 400)
    throw fail(channel, `HTTP ${status}: redirect not followed`, false, { details: { status } })
  if (status >= 400) throw fail(channel, `HTTP ${status}`, false, { details: { status } })
  return { status, text: response.text() }
}
