import type { ProviderBase, ProviderCallOptions, ProviderResult } from './provider-common.js'

/** One SMS as a provider sends it. */
export interface SmsMessage {
  /** E.164 number, e.g. `+14155550100`. */
  to: string
  /** Sender number or id; providers fall back to their configured default. */
  from?: string
  body: string
  /** Stable across retries and resends. */
  idempotencyKey: string
}

/** Sends SMS (Twilio, a mock, or the host's own). */
export interface SmsProvider extends ProviderBase {
  readonly channel: 'sms'
  /** Sends one SMS; throws a `NotifyError` from `providerError()` on failure. */
  send(message: SmsMessage, options?: ProviderCallOptions): Promise<ProviderResult>
}
