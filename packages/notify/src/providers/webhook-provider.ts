import type { ProviderBase, ProviderCallOptions, ProviderResult } from './provider-common.js'

/** One outbound webhook event. */
export interface WebhookMessage {
  /** The receiver's URL (http or https). */
  url: string
  /** Event type, dot-namespaced (`order.paid`). */
  type: string
  /** The event payload. */
  data: Record<string, unknown>
  /** The `webhook-id`: the same on every retry and resend, receivers dedupe on it. */
  idempotencyKey: string
}

/** Delivers signed webhooks (Standard Webhooks, a mock, or the host's own). */
export interface WebhookProvider extends ProviderBase {
  readonly channel: 'webhook'
  /** Posts one event; throws a `NotifyError` from `providerError()` on failure. */
  send(message: WebhookMessage, options?: ProviderCallOptions): Promise<ProviderResult>
}
