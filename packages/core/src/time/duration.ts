const UNIT_MS: Readonly<Record<string, number>> = {
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
 * `1h30m`, `30d` (parsed at run time, so a string from configuration can be cast to it).
 */
export type Duration =
  | number
  | `${number}${DurationUnit}`
  | `${number}${DurationUnit}${number}${DurationUnit}`
  | `${number}${DurationUnit}${number}${DurationUnit}${number}${DurationUnit}`

/**
 * Parses a {@link Duration} to milliseconds. `invalid(message)` makes the error thrown for a
 * negative or non-finite number or a malformed string (each package passes its own typed error).
 * The pattern is a sticky, linear scan: no backtracking on configuration text.
 *
 * @example
 * ```ts
 * parseDuration('1h30m', 'olderThan', (m) => new NotifyError('NOTIFY_INVALID_OPTIONS', m)) // 5_400_000
 * ```
 */
export function parseDuration(
  value: Duration | string,
  field: string,
  invalid: (message: string) => Error,
): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
    throw invalid(`${field}: ${value} is not a duration in milliseconds`)
  }
  if (typeof value !== 'string') throw invalid(`${field}: expected a duration such as 30s, 5m, 1h, 3d`)
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy
  let total = 0
  let consumed = 0
  for (const match of value.matchAll(part)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number)
    consumed += match[0].length
  }
  if (value.length === 0 || consumed !== value.length)
    throw invalid(`${field}: "${value}" is not a duration (use e.g. 30s, 5m, 1h, 3d)`)
  return total
}
