/** Options every provider call accepts. */
export interface ProviderCallOptions {
  /** Aborts the call (timeouts, shutdown). */
  signal?: AbortSignal
}

/** Money, as the provider or the price table states it. */
export interface Cost {
  /** Amount in the currency's main unit (e.g. 0.0079 USD). */
  amount: number
  /** ISO 4217 code. */
  currency: string
}

/** What a provider returns for an accepted send. */
export interface ProviderResult {
  /** The vendor's id of the message (SendGrid `X-Message-Id`, Twilio `SM…`, APNs `apns-id`). */
  providerMessageId?: string
  /** The price the provider reported, when it did; otherwise the notifier's price table applies. */
  cost?: Cost
  /** SMS segments the provider reported. */
  segments?: number
}

/** What a provider can do; the notifier checks capabilities, never provider names. */
export interface ProviderCapabilities {
  /** Accepts email attachments. @default false */
  attachments?: boolean
  /** Most push tokens per `send()` call; the notifier splits larger sends. @default unlimited */
  maxBatchSize?: number
}

/** Members shared by every provider interface. */
export interface ProviderBase {
  /** A unique name, used in the delivery log, rate limits and errors (e.g. `smtp`, `twilio-backup`). */
  readonly name: string
  /** What this provider supports. @default {} */
  readonly capabilities?: ProviderCapabilities
  /**
   * Checks connectivity and credentials without sending (SMTP `verify`, an authenticated
   * read-only call). Throws a `NotifyError` when the provider is unusable.
   */
  verify?(options?: ProviderCallOptions): Promise<void>
  /** Releases connections and pools. */
  close?(): Promise<void>
}
