import type {
  ProviderBase,
  ProviderCallOptions,
  ProviderCapabilities,
  ProviderResult,
} from './provider-common.js'

/** The platform of a registered device. */
export type DevicePlatform = 'ios' | 'android' | 'web'

/**
 * The kind of a push token, which decides the services that can deliver to it: `fcm` for a
 * Firebase registration token (Android, web, and iOS apps that register through the Firebase
 * SDK), `apns` for a raw APNs device token; a custom provider may declare its own kind.
 */
export type PushTokenKind = 'fcm' | 'apns' | (string & {})

/** What a push provider can do, including which devices it serves. */
export interface PushProviderCapabilities extends ProviderCapabilities {
  /** Device platforms it delivers to. @default every platform */
  platforms?: readonly DevicePlatform[]
  /** Token kinds it delivers to (see {@link PushTokenKind}). @default every kind */
  tokenKinds?: readonly PushTokenKind[]
}

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
  /** Time to live in ms (APNs keeps whole seconds); 0 = do not store. */
  ttlMs?: number
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
   * Declare `platforms` and `tokenKinds` when another vendor shares the chain: the notifier routes
   * each device only to the providers that serve it, fails over only among those, and prunes a
   * token only on their word. A provider that declares neither serves every device.
   */
  readonly capabilities?: PushProviderCapabilities
  /**
   * Sends to every token and reports per token. Throws a `NotifyError` only when the whole
   * request failed (auth, network, 5xx for all).
   */
  send(message: PushMessage, options?: ProviderCallOptions): Promise<PushResult>
}
