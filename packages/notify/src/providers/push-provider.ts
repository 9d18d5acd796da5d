import type { ProviderBase, ProviderCallOptions, ProviderResult } from './provider-common.js'

/** One push notification, to one or more device tokens. */
export interface PushMessage {
  tokens: string[]
  title?: string
  body?: string
  /** Custom key/value data (string values, as FCM requires). */
  data?: Record<string, string>
  badge?: number
  sound?: string
  /** Collapse key (FCM) / `apns-collapse-id`. */
  collapseKey?: string
  /** `high` delivers at once (APNs priority 10); `normal` is power-aware (5). */
  priority: 'high' | 'normal'
  /** Time to live in seconds; 0 = do not store. */
  ttlSeconds?: number
  /** Stable across retries and resends. */
  idempotencyKey: string
}

/** The outcome for one device token. */
export interface PushTokenResult {
  token: string
  ok: boolean
  providerMessageId?: string
  /** The vendor's code for a failed token (`UNREGISTERED`, `BadDeviceToken`, `messaging/…`). */
  errorCode?: string
  errorMessage?: string
  /** The token is gone for good (410 Unregistered, `registration-token-not-registered`): prune it. */
  unregistered?: boolean
  /** The failure may pass if retried (429, 5xx). */
  retryable?: boolean
}

/** What a push provider returns: one result per token, in input order. */
export interface PushResult extends ProviderResult {
  tokens: PushTokenResult[]
}

/** Sends push notifications (FCM, APNs, a mock, or the host's own). */
export interface PushProvider extends ProviderBase {
  readonly channel: 'push'
  /**
   * Sends to every token and reports per token. Throws a `NotifyError` only when the whole
   * request failed (auth, network, 5xx for all).
   */
  send(message: PushMessage, options?: ProviderCallOptions): Promise<PushResult>
}
