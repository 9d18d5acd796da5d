import { isbot } from 'isbot'
import {
  maxGeoJumpKm,
  meanKeystrokeMs,
  peakRequestsPerMinute,
  requestGapCv,
  sessionLengthMs,
} from './rules.js'
import type { FraudSession } from './session.js'

/** Names of the features {@link sessionFeatures} returns, in order. */
export const FRAUD_FEATURE_NAMES = [
  'log_peak_requests_per_minute',
  'log_payment_methods',
  'log_tickets',
  'log_max_geo_jump_km',
  'request_gap_cv',
  'bot_user_agent',
  'log_pointer_events',
  'pointer_events_missing',
  'log_mean_keystroke_ms',
  'log_session_seconds',
  'log_request_count',
] as const

/** Length of a fraud feature vector. */
export const FRAUD_FEATURE_COUNT = FRAUD_FEATURE_NAMES.length

/** Turns a session into the model's raw (not yet normalised) feature vector. */
export function sessionFeatures(session: FraudSession): number[] {
  const cv = requestGapCv(session.requests)
  const typing = meanKeystrokeMs(session.keystrokeIntervalsMs)
  return [
    Math.log1p(peakRequestsPerMinute(session.requests)),
    Math.log1p(session.paymentMethods ?? 0),
    Math.log1p(session.ticketsRequested ?? 0),
    Math.log1p(maxGeoJumpKm(session.locations ?? [], 3_600_000)),
    Math.min(cv ?? 1, 3),
    isbot(session.userAgent) ? 1 : 0,
    Math.log1p(session.pointerEvents ?? 0),
    session.pointerEvents === undefined ? 1 : 0,
    Math.log1p(typing ?? 200),
    Math.log1p(sessionLengthMs(session.requests) / 1000),
    Math.log1p(session.requests.length),
  ]
}

/** Per-feature mean and standard deviation learned from training data. */
export interface FeatureNormaliser {
  readonly mean: readonly number[]
  readonly std: readonly number[]
}

/** Fits a z-score normaliser (std floored at 1e-6). */
export function fitNormaliser(rows: readonly (readonly number[])[]): FeatureNormaliser {
  const width = rows[0]?.length ?? 0
  const mean = new Array<number>(width).fill(0)
  const std = new Array<number>(width).fill(0)
  for (const row of rows)
    for (let j = 0; j < width; j++) mean[j] = (mean[j] as number) + (row[j] as number) / rows.length
  for (const row of rows) {
    for (let j = 0; j < width; j++)
      std[j] = (std[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2 / rows.length
  }
  return { mean, std: std.map((v) => Math.max(Math.sqrt(v), 1e-6)) }
}

/** Applies a normaliser. */
export function normalise(row: readonly number[], n: FeatureNormaliser): number[] {
  return row.map((v, j) => (v - (n.mean[j] as number)) / (n.std[j] as number))
}
