import { z } from 'zod'
import { nextDay, startOfDayInZone } from './zoned.js'

/** A calendar day, `YYYY-MM-DD`. */
export const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
/** An ISO 4217 currency code, upper-cased. */
export const currencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'expected an ISO 4217 currency code such as EUR')
  .transform((code) => code.toUpperCase())

/**
 * Parameters of the built-in reports: an inclusive range of days in the report time zone and,
 * for the money reports, an optional `currency` (ISO 4217): only that currency's orders count.
 * Without it every currency is reported, each on its own rows and totals line.
 */
export const periodParams = z
  .object({ from: day, to: day, currency: currencyCode.optional() })
  .refine((p) => p.from <= p.to, { message: 'must not be before from', path: ['to'] })

/** The validated period parameters. */
export type PeriodParams = z.output<typeof periodParams>

/** The first and the after-last instant (epoch ms) of a period of local days. */
export function periodRange(params: { from: string; to: string }, timeZone: string): [number, number] {
  return [startOfDayInZone(params.from, timeZone), startOfDayInZone(nextDay(params.to), timeZone)]
}
