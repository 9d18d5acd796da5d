import { parseInput } from '@opskit/core'
import { isValidTimeZone, wallClock } from '@opskit/core/internal'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'

/**
 * One time interval, as Alertmanager's `<time_interval>`: it contains an instant when every
 * field given matches (a missing field matches anything). Ranges are inclusive, `start:end`.
 */
export interface TimeIntervalSpec {
  /** Times of day, start inclusive, end exclusive: `{ startTime: '09:00', endTime: '17:30' }` (end up to `24:00`). */
  times?: Array<{ startTime: string; endTime: string }>
  /** `'monday'`, `'monday:friday'` (case-insensitive; a range runs forward within one week, so weekends are `'saturday', 'sunday'`). */
  weekdays?: string[]
  /** `'1'`, `'1:5'`; negative days count from the month's end: `'-1'` is its last day, `'-7:-1'` its last week. */
  daysOfMonth?: string[]
  /** `'january'`, `'january:march'`, or numbers `'1:3'`. */
  months?: string[]
  /** `'2026'`, `'2026:2027'`. */
  years?: string[]
  /** IANA time zone the fields are read in. @default 'UTC' */
  timeZone?: string
}

/** Whether an instant (epoch ms) falls in a named set of time intervals. */
export type TimeIntervalTest = (epochMs: number) => boolean

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
]

const intervalSchema = z
  .object({
    times: z.array(z.object({ startTime: z.string(), endTime: z.string() }).strict()).optional(),
    weekdays: z.array(z.string()).optional(),
    daysOfMonth: z.array(z.string()).optional(),
    months: z.array(z.string()).optional(),
    years: z.array(z.string()).optional(),
    timeZone: z.string().optional(),
  })
  .strict()

const invalid = (name: string, message: string) =>
  new MonitorError('MONITOR_INVALID_OPTIONS', `time interval "${name}": ${message}`)

/** Minutes since midnight of `HH:MM` (00:00–24:00). */
function minutesOf(name: string, text: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(text)
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN
  if (!match || Number(match[2]) > 59 || minutes > 24 * 60)
    throw invalid(name, `"${text}" is not a time of day (HH:MM, 00:00–24:00)`)
  return minutes
}

/**
 * Parses `value` or `start:end` into an inclusive range, each end read by `parse` (a number,
 * or `undefined` when the text is not valid).
 */
function rangeOf(
  name: string,
  field: string,
  text: string,
  parse: (part: string) => number | undefined,
): [number, number] {
  const parts = text.toLowerCase().split(':')
  const [start, end] = parts.map((part) => parse(part.trim()))
  if (parts.length > 2 || start === undefined || (parts.length === 2 && end === undefined))
    throw invalid(name, `"${text}" is not a valid ${field} or range of them`)
  return [start, end ?? start]
}

const integerIn =
  (min: number, max: number) =>
  (part: string): number | undefined => {
    if (!/^-?\d+$/.test(part)) return undefined
    const value = Number(part)
    return value >= min && value <= max ? value : undefined
  }

const named =
  (names: readonly string[], firstNumber: number | undefined) =>
  (part: string): number | undefined => {
    const index = names.indexOf(part)
    if (index >= 0) return index
    if (firstNumber === undefined) return undefined
    const number = integerIn(firstNumber, names.length - 1 + firstNumber)(part)
    return number === undefined ? undefined : number - firstNumber
  }

function compileInterval(name: string, spec: TimeIntervalSpec): TimeIntervalTest {
  const timeZone = spec.timeZone ?? 'UTC'
  if (!isValidTimeZone(timeZone)) throw invalid(name, `unknown time zone "${timeZone}"`)
  const times = spec.times?.map(({ startTime, endTime }) => {
    const range: [number, number] = [minutesOf(name, startTime), minutesOf(name, endTime)]
    if (range[0] >= range[1]) throw invalid(name, `start time ${startTime} is not before end time ${endTime}`)
    return range
  })
  const weekdays = spec.weekdays?.map((text) => {
    const [start, end] = rangeOf(name, 'weekday', text, named(WEEKDAYS, undefined))
    if (start > end) throw invalid(name, `weekday range "${text}" ends before it starts`)
    return [start, end] as const
  })
  const days = spec.daysOfMonth?.map((text) => {
    const [start, end] = rangeOf(name, 'day of the month', text, (part) => {
      const day = integerIn(-31, 31)(part)
      return day === 0 ? undefined : day
    })
    if (Math.sign(start) === Math.sign(end) && start > end)
      throw invalid(name, `day range "${text}" ends before it starts`)
    return [start, end] as const
  })
  const months = spec.months?.map((text) => {
    const [start, end] = rangeOf(name, 'month', text, named(MONTHS, 1))
    if (start > end) throw invalid(name, `month range "${text}" ends before it starts`)
    return [start, end] as const
  })
  const years = spec.years?.map((text) => {
    const [start, end] = rangeOf(name, 'year', text, integerIn(1, 9999))
    if (start > end) throw invalid(name, `year range "${text}" ends before it starts`)
    return [start, end] as const
  })
  const within = (ranges: ReadonlyArray<readonly [number, number]> | undefined, value: number) =>
    !ranges || ranges.some(([start, end]) => value >= start && value <= end)

  return (epochMs) => {
    const wall = wallClock(epochMs, timeZone)
    const minute = wall.hour * 60 + wall.minute
    if (times && !times.some(([start, end]) => minute >= start && minute < end)) return false
    if (!within(weekdays, new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay())) return false
    if (days) {
      const inMonth = new Date(Date.UTC(wall.year, wall.month, 0)).getUTCDate()
      // Negative days count back from the month's end. A range that starts after the month's last
      // day matches nothing in that month; one that ends after it stops there.
      const resolve = (day: number) => (day < 0 ? inMonth + day + 1 : day)
      const inDays = days.some(([start, end]) => {
        const first = resolve(start)
        return first <= inMonth && wall.day >= first && wall.day <= Math.min(resolve(end), inMonth)
      })
      if (!inDays) return false
    }
    if (!within(months, wall.month - 1)) return false
    return within(years, wall.year)
  }
}

/**
 * Compiles a named set of time intervals (Alertmanager's `time_intervals` entry): an instant is in
 * the set when it is in any of them. Throws `MONITOR_INVALID_OPTIONS` naming the bad field.
 *
 * @example
 * ```ts
 * const offHours = compileTimeIntervals('off-hours', [
 *   { weekdays: ['saturday', 'sunday'] },
 *   { weekdays: ['monday:friday'], times: [{ startTime: '00:00', endTime: '08:00' }], timeZone: 'Europe/Paris' },
 * ])
 * offHours(Date.now())
 * ```
 */
export function compileTimeIntervals(name: string, intervals: TimeIntervalSpec[]): TimeIntervalTest {
  if (typeof name !== 'string' || name.length === 0)
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'a time interval needs a name')
  const specs = parseInput(
    z.array(intervalSchema).min(1),
    intervals,
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_OPTIONS', `time interval "${name}": ${message}`, {
        details: { issues },
      }),
  )
  const tests = specs.map((spec) => compileInterval(name, spec as TimeIntervalSpec))
  return (epochMs) => tests.some((test) => test(epochMs))
}
