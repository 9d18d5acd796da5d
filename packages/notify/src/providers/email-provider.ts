import type { ProviderBase, ProviderCallOptions, ProviderResult } from './provider-common.js'

/** A file attached to an email. */
export interface EmailAttachment {
  filename: string
  /** The bytes, or text. */
  content: Uint8Array | string
  contentType?: string
}

/**
 * Click and open tracking of an email, for providers that rewrite links and add a tracking pixel
 * (SendGrid `tracking_settings`); an unset member follows the provider account's default.
 */
export interface EmailTracking {
  /** Rewrite links to count clicks (HTML and text parts). */
  clicks?: boolean
  /** Add an open-tracking pixel (HTML part). */
  opens?: boolean
}

/** One email as a provider sends it: rendered, validated, addressed. */
export interface EmailMessage {
  /** Recipient addresses. */
  to: string[]
  /** Sender; providers fall back to their configured default. */
  from?: string
  replyTo?: string
  subject: string
  /** Plain-text part (always present: the notifier derives it from the HTML when a template has none). */
  text: string
  /** HTML part. */
  html?: string
  /** Extra headers (`X-…`). */
  headers?: Record<string, string>
  /** `List-Unsubscribe` target(s): a URL and/or a mailto. */
  listUnsubscribe?: string
  attachments?: EmailAttachment[]
  /** Click/open tracking for providers that do it (SendGrid); SMTP ignores it. */
  tracking?: EmailTracking
  /** Stable across retries and resends; providers pass it on where the vendor supports it. */
  idempotencyKey: string
}

/** Sends email (SMTP, SendGrid, a mock, or the host's own). */
export interface EmailProvider extends ProviderBase {
  readonly channel: 'email'
  /**
   * Sends one message. Resolves when the provider accepted it; throws a `NotifyError` built by
   * `providerError()` otherwise (`retryable` tells transient from permanent).
   */
  send(message: EmailMessage, options?: ProviderCallOptions): Promise<ProviderResult>
}
