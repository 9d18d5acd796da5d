import { Cron } from 'croner'
import { ReportsError } from '../errors/reports-error.js'

/**
 * The first slot of `cron` in `timeZone` strictly after `after`, as a UTC instant. Uses croner,
 * whose DST policy for daily times is: a wall time inside a spring-forward gap runs once that
 * day, shifted by the gap (02:30 in Europe/Berlin on the last Sunday of March runs at 03:30
 * CEST); a wall time repeated at fall-back runs once, at its first occurrence.
 */
export function nextSlot(cron: string, timeZone: string, after: Date): Date {
  const job = compile(cron, timeZone)
  const next = job.nextRun(after)
  if (!next) throw new ReportsError('REPORTS_INVALID_PARAMS', `cron: "${cron}" has no future run`)
  return next
}

/** Validates a cron expression and time zone, throwing `REPORTS_INVALID_PARAMS` naming the field. */
export function compile(cron: string, timeZone: string): Cron {
  try {
    return new Cron(cron, { timezone: timeZone, paused: true })
  } catch (error) {
    const field = /time ?zone/i.test(String((error as Error).message)) ? 'timeZone' : 'cron'
    throw new ReportsError('REPORTS_INVALID_PARAMS', `${field}: ${(error as Error).message}`, {
      cause: error,
      details: { issues: [{ path: field, message: (error as Error).message }] },
    })
  }
}
