import { OpskitError, type OpskitErrorOptions } from '@opskit/core'

/** Stable codes of the errors `@opskit/notify` throws; match on these, never on messages. */
export type NotifyErrorCode =
  | 'NOTIFY_INVALID_MESSAGE'
  | 'NOTIFY_PROVIDER_NOT_CONFIGURED'
  | 'NOTIFY_DELIVERY_FAILED'
  | 'NOTIFY_RATE_LIMITED'
  | 'NOTIFY_TEMPLATE_ERROR'
  | 'NOTIFY_CLOSED'

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
