import { MonitorError } from '../errors/monitor-error.js'

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/** The units of a {@link Duration} string. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w'

/**
 * A duration: milliseconds, or a string of up to three number-unit parts such as `90s`, `5m`,
 * `1h30m`, `3d` (parsed at run time, so a string from configuration can be cast to it).
 */
export type Duration =
  | number
  | `${number}${DurationUnit}`
  | `${number}${DurationUnit}${number}${DurationUnit}`
  | `${number}${DurationUnit}${number}${DurationUnit}${number}${DurationUnit}`

/** Parses a {@link Duration} to milliseconds; throws `MONITOR_INVALID_OPTIONS` (or `code`) when invalid. */
export function parseDuration(
  value: Duration | string,
  field: string,
  code:
    | 'MONITOR_INVALID_OPTIONS'
    | 'MONITOR_INVALID_RULE'
    | 'MONITOR_INVALID_EXPRESSION' = 'MONITOR_INVALID_OPTIONS',
): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
    throw new MonitorError(code, `${field}: ${value} is not a duration in milliseconds`)
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy
  let total = 0
  let consumed = 0
  for (const match of value.matchAll(re)) {
    total += Number(match[1]) * (UNITS[match[2] as string] as number)
    consumed += match[0].length
  }
  if (value.length === 0 || consumed !== value.length)
    throw new MonitorError(code, `${field}: "${value}" is not a duration (use e.g. 30s, 5m, 1h, 3d)`)
  return total
}
