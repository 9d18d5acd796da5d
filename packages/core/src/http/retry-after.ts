/** Options of {@link parseRetryAfter}. */
export interface RetryAfterOptions {
  /** Longest delay returned, in ms; a longer one is cut to it. @default no cap */
  maxMs?: number | undefined
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const MONTH = MONTHS.join('|')
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'

/** `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate, what senders must send). */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`)
/** `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete RFC 850 form). */
const RFC850_DATE = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`,
)
/** `Sun Nov  6 08:49:37 1994` (obsolete asctime form, in UTC). */
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (${MONTH}) ([ \\d]\\d) ${TIME} (\\d{4})$`)

/**
 * The delay an HTTP `Retry-After` header asks for, in ms (RFC 9110 §10.2.3): `delay-seconds`
 * (`120`) or an `HTTP-date` in any of the three forms recipients must accept (IMF-fixdate
 * `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850 and asctime forms), measured from `now`.
 * A date in the past gives 0. Anything else (empty, negative, fractional, a date that does not
 * exist, other text) gives `undefined`, so the caller falls back to its own backoff.
 *
 * @param value the header value, as received (surrounding whitespace is ignored)
 * @param now the current time in ms since the epoch, for the date form @default Date.now()
 * @example
 * ```ts
 * const retryAfterMs = parseRetryAfter(response.headers['retry-after'], clock.now(), { maxMs: 60_000 })
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
  options: RetryAfterOptions = {},
): number | undefined {
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  let delayMs: number | undefined
  if (/^\d+$/.test(text)) delayMs = Number(text) * 1000
  else {
    const at = parseHttpDate(text, now)
    if (at !== undefined) delayMs = Math.max(0, at - now)
  }
  if (delayMs === undefined || !Number.isFinite(delayMs)) return undefined
  return options.maxMs === undefined ? delayMs : Math.min(delayMs, options.maxMs)
}

/** An `HTTP-date` (RFC 9110 §5.6.7) as ms since the epoch, or `undefined`. */
function parseHttpDate(text: string, now: number): number | undefined {
  let match = IMF_FIXDATE.exec(text)
  if (match) return utc(Number(match[3]), match[2], match[1], match.slice(4, 7))
  match = RFC850_DATE.exec(text)
  if (match) return utc(rfc850Year(Number(match[3]), now), match[2], match[1], match.slice(4, 7))
  match = ASCTIME_DATE.exec(text)
  if (match) return utc(Number(match[6]), match[1], match[2], match.slice(3, 6))
  return undefined
}

/**
 * A two-digit RFC 850 year: the year with those last two digits that is not more than 50 years
 * in the future, as RFC 9110 §5.6.7 tells recipients to read it.
 */
function rfc850Year(twoDigits: number, now: number): number {
  const current = new Date(now).getUTCFullYear()
  let year = current - (current % 100) + twoDigits
  if (year > current + 50) year -= 100
  return year
}

function utc(
  year: number,
  monthName: string | undefined,
  day: string | undefined,
  time: string[],
): number | undefined {
  const month = MONTHS.indexOf(monthName ?? '')
  const dayOfMonth = Number(day?.trim())
  const [hour, minute, second] = time.map(Number) as [number, number, number]
  if (hour > 23 || minute > 59 || second > 60) return undefined
  const date = new Date(0)
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999
  date.setUTCFullYear(year, month, dayOfMonth)
  // 31 Feb rolls over into March: such a date does not exist
  if (date.getUTCMonth() !== month || date.getUTCDate() !== dayOfMonth) return undefined
  // second 60 is a leap second, which Date cannot hold: it counts as the one after :59
  return date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000
}
