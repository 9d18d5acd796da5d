import { z } from 'zod'
import type { ReportNotifier } from '../downloads/hooks.js'
import { ReportsError } from '../errors/reports-error.js'
import { isValidTimeZone } from '../render/values.js'

/** `REPORTS_INVALID_PARAMS` for a call's input (report params, schedule, link, export, history). */
export function invalidParams(message: string, issues: unknown): ReportsError {
  return new ReportsError('REPORTS_INVALID_PARAMS', `invalid params: ${message}`, { details: { issues } })
}

/** `REPORTS_INVALID_OPTIONS` for the options of a factory (`createReports`, renderers). */
export function invalidOptions(message: string, issues: unknown): ReportsError {
  return new ReportsError('REPORTS_INVALID_OPTIONS', `invalid options: ${message}`, { details: { issues } })
}

function isLocaleTag(locale: string): boolean {
  try {
    new Intl.Locale(locale)
    return true
  } catch {
    return false
  }
}

const timeZone = z.string().refine(isValidTimeZone, 'unknown time zone')
const hasMethod = (name: string) => (value: unknown) =>
  typeof (value as Record<string, unknown> | null)?.[name] === 'function'

/** The scalar options of `createReports` (objects such as `db` or `storage` are checked by shape). */
export const reportsOptionsSchema = z.object({
  db: z.custom((value) => hasMethod('selectFrom')(value), 'must be a Kysely instance'),
  readDb: z.custom((value) => hasMethod('selectFrom')(value), 'must be a Kysely instance').optional(),
  tablePrefix: z.string().optional(),
  timeZone: timeZone.optional(),
  locale: z.string().refine(isLocaleTag, 'not a BCP 47 locale tag').optional(),
  downloadBaseUrl: z.string().optional(),
  exportConcurrency: z.number().int().positive().max(1_000).optional(),
  tenantMode: z.enum(['off', 'optional', 'required']).optional(),
})

/** Filter of `history` (the tenant is resolved separately). */
export const historyFilterSchema = z.object({
  report: z.string().min(1).optional(),
  scheduleId: z.string().min(1).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
  limit: z.number().int().positive().max(10_000).optional(),
})

/** A report name as `run` and `stream` take it. */
export const reportNameSchema = z.string().min(1)

/** Input of `export` (the entity is resolved separately). */
export const exportInputSchema = z.object({ filters: z.unknown().optional(), format: z.string().min(1) })

const MAX_LINK_LIFETIME_MS = 366 * 24 * 3_600_000

/** Input of `schedule` (the report is resolved separately). */
export const scheduleInputSchema = z.object({
  params: z.unknown(),
  cron: z.string().min(1).max(128),
  timeZone: timeZone.optional(),
  format: z.string().min(1),
  deliver: z
    .object({
      notifier: z.custom<ReportNotifier>(hasMethod('send')).optional(),
      to: z.unknown(),
      linkExpiresInMs: z.number().int().min(1_000).max(MAX_LINK_LIFETIME_MS).optional(),
    })
    .optional(),
})

/** Options of `createDownloadLink`. */
export const linkOptionsSchema = z.object({
  expiresInMs: z.number().int().min(1_000).max(MAX_LINK_LIFETIME_MS).default(3_600_000),
  maxDownloads: z.number().int().positive().max(1_000_000).default(1),
  bindIp: z.string().min(1).max(64).optional(),
})

const CONTROL = /\p{Cc}/u
const MIME =
  /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}(\s*;\s*[a-z0-9!#$&^_.+-]+=("[^"\\\p{Cc}]*"|[a-z0-9!#$&^_.+-]+))*$/iu

/** A stored object as a download link target: none of its fields can inject a header. */
export const objectTargetSchema = z.object({
  storageKey: z
    .string()
    .min(1)
    .max(255)
    .refine((key) => !CONTROL.test(key), 'must not contain control characters'),
  filename: z
    .string()
    .min(1)
    .max(255)
    .refine(
      (name) => !CONTROL.test(name) && !/[/\\]/.test(name),
      'must not contain control characters, / or \\',
    ),
  contentType: z.string().max(255).regex(MIME, 'must be a MIME type such as application/pdf'),
})
