import { OpskitError, type OpskitErrorOptions } from '@opskit/core'

/** Stable codes of the errors `@opskit/monitor` throws; match on these, never on messages. */
export type MonitorErrorCode =
  | 'MONITOR_INVALID_OPTIONS'
  | 'MONITOR_INVALID_RULE'
  | 'MONITOR_CLOSED'
  | 'MONITOR_INVALID_EXPRESSION'
  | 'MONITOR_EVALUATION_FAILED'
  | 'MONITOR_INVALID_SAMPLE'
  | 'MONITOR_INVALID_SILENCE'
  | 'MONITOR_SILENCE_NOT_FOUND'
  | 'MONITOR_UNKNOWN_RECEIVER'
  | 'MONITOR_CHANNEL_FAILED'
  | 'MONITOR_NOT_FOUND'
  | 'MONITOR_HISTORY_UNAVAILABLE'
  | 'MONITOR_CONFLICT'
  | 'MONITOR_RULE_READ_ONLY'
  | 'MONITOR_TENANT_REQUIRED'

/** The one error class of `@opskit/monitor`; its `code` is a {@link MonitorErrorCode}. */
export class MonitorError extends OpskitError<MonitorErrorCode> {
  constructor(
    code: MonitorErrorCode,
    message: string,
    options: Omit<OpskitErrorOptions, 'code' | 'message' | 'package'> = {},
  ) {
    super({ ...options, code, message, package: 'monitor' })
  }
}
