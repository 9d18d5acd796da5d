import { OpskitError, type OpskitErrorOptions } from '@opskit/core'

/** Stable codes of the errors `@opskit/notify` throws; match on these, never on messages. */
export type NotifyErrorCode =
  | 'NOTIFY_INVALID_MESSAGE'
  | 'NOTIFY_INVALID_OPTIONS'
  | 'NOTIFY_PROVIDER_NOT_CONFIGURED'
  | 'NOTIFY_PROVIDER_TRANSIENT'
  | 'NOTIFY_PROVIDER_PERMANENT'
  | 'NOTIFY_TEMPLATE_ERROR'
  | 'NOTIFY_TEMPLATE_NOT_FOUND'
  | 'NOTIFY_TEMPLATE_MISSING_VARIABLE'
  | 'NOTIFY_STORE_UNSUPPORTED'
  | 'NOTIFY_INVALID_SIGNATURE'
  | 'NOTIFY_CLOSED'
  | 'NOTIFY_TENANT_REQUIRED'

/** The one error class of `@opskit/notify`; its `code` is a {@link NotifyErrorCode}. */
export class NotifyError extends OpskitError<NotifyErrorCode> {
  constructor(
    code: NotifyErrorCode,
    message: string,
    options: Omit<OpskitErrorOptions, 'code' | 'message' | 'package'> = {},
  ) {
    super({ ...options, code, message, package: 'notify' })
  }
}

/**
 * The `NOTIFY_INVALID_OPTIONS` error a vendor adapter throws for a missing option, naming the
 * adapter and the option (never a value).
 *
 * @example
 * ```ts
 * if (!options.accountSid) throw missingOptionError('twilio', 'accountSid')
 * ```
 */
export function missingOptionError(adapter: string, option: string): NotifyError {
  return new NotifyError('NOTIFY_INVALID_OPTIONS', `[${adapter}] missing required option \`${option}\``, {
    details: { adapter, option },
  })
}

/** What a provider knows about a failed send; see {@link providerError}. */
export interface ProviderErrorInfo {
  /** The provider's `name`. */
  provider: string
  /** Whether the same send may succeed later (4xx SMTP, 429, 5xx HTTP, timeouts). */
  retryable: boolean
  /** What went wrong, without secrets. */
  message: string
  /** The vendor's own code (`21211`, `BadDeviceToken`, `550`, `messaging/…`). */
  providerCode?: string | number
  /** HTTP or SMTP status. */
  status?: number
  /** A delay the provider asked for (HTTP `Retry-After`), in ms. */
  retryAfterMs?: number
  /**
   * The recipient itself is invalid (bad number, bad device token): neither retrying nor
   * failing over to another provider can help.
   */
  recipientInvalid?: boolean
  /** The underlying error. */
  cause?: unknown
}

/**
 * Builds the error a provider throws from `send()`: `NOTIFY_PROVIDER_TRANSIENT` (retryable) or
 * `NOTIFY_PROVIDER_PERMANENT`, with the vendor code, status and `Retry-After` in `details`.
 *
 * @example
 * ```ts
 * throw providerError({ provider: 'twilio', retryable: false, message: 'invalid To', providerCode: 21211, recipientInvalid: true })
 * ```
 */
export function providerError(info: ProviderErrorInfo): NotifyError {
  const cause = info.cause === undefined ? undefined : plainCause(info.cause)
  return new NotifyError(
    info.retryable ? 'NOTIFY_PROVIDER_TRANSIENT' : 'NOTIFY_PROVIDER_PERMANENT',
    `[${info.provider}] ${info.message}`,
    {
      retryable: info.retryable,
      cause,
      details: {
        provider: info.provider,
        ...(info.providerCode === undefined ? {} : { providerCode: info.providerCode }),
        ...(info.status === undefined ? {} : { status: info.status }),
        ...(info.retryAfterMs === undefined ? {} : { retryAfterMs: info.retryAfterMs }),
        ...(info.recipientInvalid ? { recipientInvalid: true } : {}),
      },
    },
  )
}

/**
 * Throws the retryable `ABORTED` {@link providerError} of `provider` when `signal` is aborted:
 * a provider checks it before each call it makes to its vendor.
 *
 * @example
 * ```ts
 * throwIfAborted('twilio', callOptions?.signal)
 * ```
 */
export function throwIfAborted(provider: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw providerError({
      provider,
      retryable: true,
      message: 'aborted before sending',
      providerCode: 'ABORTED',
    })
  }
}

/**
 * A copy of a vendor error with only its name, message and code: client libraries hang request
 * configs (with Authorization headers and API keys) on their errors, which must not travel on.
 */
function plainCause(cause: unknown): Error {
  if (!(cause instanceof Error))
    return new Error(typeof cause === 'string' ? cause.slice(0, 300) : 'provider error')
  const copy = new Error(cause.message.slice(0, 300))
  copy.name = cause.name
  const code = (cause as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code })
  return copy
}
