import { type Duration, parseDuration as parseCoreDuration } from '@opskit/core'
import { MonitorError } from '../errors/monitor-error.js'

export type { Duration, DurationUnit } from '@opskit/core'

/** Parses a {@link Duration} to milliseconds; throws `MONITOR_INVALID_OPTIONS` (or `code`) when invalid. */
export function parseDuration(
  value: Duration | string,
  field: string,
  code:
    | 'MONITOR_INVALID_OPTIONS'
    | 'MONITOR_INVALID_RULE'
    | 'MONITOR_INVALID_EXPRESSION' = 'MONITOR_INVALID_OPTIONS',
): number {
  return parseCoreDuration(value, field, (message) => new MonitorError(code, message))
}
