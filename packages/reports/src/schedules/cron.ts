import { Cron } from 'croner'
import { ReportError } from '../errors/reports-error.js'

/**
 * The first slot of `cron` in `timezone` strictly after `after`, as a UTC instant. Uses croner,
 * whose DST policy for daily times is: a wall time inside a spring-forward gap runs once that
 * day, shifted by the gap (02:30 in Europe/Berlin on the last Sunday of March runs at 03:30
 * CEST); a wall time repeated at fall-back runs once, at its first occurrence.
 */
export function nextSlot(cron: string, timezone: string, after: Date): Date {
  const job = compile(cron, timezone)
  const next = job.nextRun(after)
  if (!next) throw new ReportError('REPORT_INVALID_PARAMS', `cron: "${cron}" has no future run`)
  return next
}

/** Validates a cron expression and time zone, throwing `REPORT_INVALID_PARAMS` naming the field. */
export function compile(cron: string, timezone: string): Cron {
  try {
    return new Cron(cron, { timezone, paused: true })
  } catch (error) {
    const field = /time ?zone/i.test(String((error as Error).message)) ? 'timezone' : 'cron'
    throw new ReportError('REPORT_INVALID_PARAMS', `${field}: ${(error as Error).message}`, {
      cause: error,
      details: { issues: [{ path: field, message: (error as Error).message }] },
    })
  }
}
