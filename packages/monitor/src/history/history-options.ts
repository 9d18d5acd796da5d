import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** `createMonitor({ history })`: how the monitor keeps SLO counts and recording rules' history. */
export interface MonitorHistoryOptions {
  /** How often each instance writes its SLO counts and the leader its recorded samples. @default 60_000 */
  flushIntervalMs?: number
  /** SLO counts are kept per minute this long, then rolled up into hours. @default 48 h */
  sloMinutesMs?: number
  /** SLO hour counts are kept this long. @default 400 days */
  sloHoursMs?: number
  /** Recording rules' raw samples are kept this long (with a store). @default 6 h */
  rawMs?: number
  /** Their minute aggregates are kept this long. @default 7 days */
  minutesMs?: number
  /** Their hour aggregates are kept this long. @default 90 days */
  hoursMs?: number
  /** Persist recording rules' results when the monitor has a store. @default true */
  recordingRules?: boolean
}

/** {@link MonitorHistoryOptions} with every default applied. */
export type ResolvedHistoryOptions = Required<MonitorHistoryOptions>

const schema = z
  .object({
    flushIntervalMs: z.number().int().min(1000).optional(),
    sloMinutesMs: z.number().int().min(HOUR).optional(),
    sloHoursMs: z.number().int().min(DAY).optional(),
    rawMs: z.number().int().min(60_000).optional(),
    minutesMs: z.number().int().min(HOUR).optional(),
    hoursMs: z.number().int().min(DAY).optional(),
    recordingRules: z.boolean().optional(),
  })
  .strict()

/** Validates the history options (`MONITOR_INVALID_OPTIONS`) and applies the defaults. */
export function resolveHistoryOptions(input: MonitorHistoryOptions | undefined): ResolvedHistoryOptions {
  const o = parseInput(
    schema,
    input ?? {},
    (message) => new MonitorError('MONITOR_INVALID_OPTIONS', `invalid history options: ${message}`),
  )
  const resolved: ResolvedHistoryOptions = {
    flushIntervalMs: o.flushIntervalMs ?? 60_000,
    sloMinutesMs: o.sloMinutesMs ?? 48 * HOUR,
    sloHoursMs: o.sloHoursMs ?? 400 * DAY,
    rawMs: o.rawMs ?? 6 * HOUR,
    minutesMs: o.minutesMs ?? 7 * DAY,
    hoursMs: o.hoursMs ?? 90 * DAY,
    recordingRules: o.recordingRules ?? true,
  }
  if (resolved.minutesMs < resolved.rawMs || resolved.hoursMs < resolved.minutesMs)
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      'invalid history options: rawMs ≤ minutesMs ≤ hoursMs (each resolution outlives the finer one)',
    )
  return resolved
}
