import { isbot } from 'isbot'
import type { FraudReason, FraudSession } from './session.js'

/** Thresholds and weights of the rule layer; every field has a default. */
export interface FraudRuleOptions {
  /** Requests in any 60 s span above which `RAPID_REQUESTS` fires. @default 60 */
  readonly maxRequestsPerMinute?: number
  /** Payment methods above which `MANY_PAYMENT_METHODS` fires. @default 3 */
  readonly maxPaymentMethods?: number
  /** Tickets in one order above which `BULK_TICKETS` fires. @default 10 */
  readonly maxTickets?: number
  /** Distance (km) covered within `geoJumpWindowMs` above which `GEO_JUMP` fires. @default 1000 */
  readonly geoJumpKm?: number
  /** @default 3_600_000 (one hour) */
  readonly geoJumpWindowMs?: number
  /** Coefficient of variation of request gaps below which `MACHINE_REGULAR_TIMING` fires. @default 0.1 */
  readonly regularTimingCv?: number
  /** Mean keystroke gap (ms) below which `INHUMAN_TYPING` fires. @default 10 */
  readonly minKeystrokeMs?: number
  /** Session length (ms) below which `SHORT_SESSION` fires. @default 5000 */
  readonly minSessionMs?: number
  /** Weight per rule code, replacing the defaults. */
  readonly weights?: Readonly<Partial<Record<FraudRuleCode, number>>>
}

/** Codes of the built-in rules. */
export type FraudRuleCode =
  | 'RAPID_REQUESTS'
  | 'MANY_PAYMENT_METHODS'
  | 'BULK_TICKETS'
  | 'GEO_JUMP'
  | 'MACHINE_REGULAR_TIMING'
  | 'BOT_USER_AGENT'
  | 'NO_POINTER_EVENTS'
  | 'INHUMAN_TYPING'
  | 'SHORT_SESSION'

/** Default weight of each rule. */
export const DEFAULT_RULE_WEIGHTS: Readonly<Record<FraudRuleCode, number>> = Object.freeze({
  RAPID_REQUESTS: 0.35,
  MANY_PAYMENT_METHODS: 0.3,
  BULK_TICKETS: 0.3,
  GEO_JUMP: 0.35,
  MACHINE_REGULAR_TIMING: 0.3,
  BOT_USER_AGENT: 0.5,
  NO_POINTER_EVENTS: 0.2,
  INHUMAN_TYPING: 0.3,
  SHORT_SESSION: 0.15,
})

/** Great-circle distance in km (haversine, mean Earth radius). */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Most requests inside any 60-second span. */
export function peakRequestsPerMinute(requests: readonly number[]): number {
  let best = 0
  let start = 0
  for (let end = 0; end < requests.length; end++) {
    while ((requests[end] as number) - (requests[start] as number) >= 60_000) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}

/** Coefficient of variation of the gaps between requests, or `undefined` with fewer than 5 gaps. */
export function requestGapCv(requests: readonly number[]): number | undefined {
  if (requests.length < 6) return undefined
  const gaps: number[] = []
  for (let i = 1; i < requests.length; i++) gaps.push((requests[i] as number) - (requests[i - 1] as number))
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length
  if (mean <= 0) return 0
  const variance = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length
  return Math.sqrt(variance) / mean
}

/** Largest distance (km) between two locations seen within `windowMs` of each other. */
export function maxGeoJumpKm(
  locations: readonly { timestamp: number; lat: number; lon: number }[],
  windowMs: number,
): number {
  let best = 0
  for (let i = 0; i < locations.length; i++) {
    for (let j = i + 1; j < locations.length; j++) {
      const a = locations[i] as { timestamp: number; lat: number; lon: number }
      const b = locations[j] as { timestamp: number; lat: number; lon: number }
      if (Math.abs(b.timestamp - a.timestamp) > windowMs) continue
      best = Math.max(best, haversineKm(a, b))
    }
  }
  return best
}

/** Mean of the keystroke gaps, or `undefined` with fewer than 5. */
export function meanKeystrokeMs(intervals: readonly number[] | undefined): number | undefined {
  if (!intervals || intervals.length < 5) return undefined
  return intervals.reduce((s, x) => s + x, 0) / intervals.length
}

/** Length of the session in ms (first to last request). */
export function sessionLengthMs(requests: readonly number[]): number {
  return requests.length < 2 ? 0 : (requests[requests.length - 1] as number) - (requests[0] as number)
}

/** Evaluates the rule layer: the reasons that fired and their noisy-or combination. */
export function evaluateRules(
  session: FraudSession,
  options: FraudRuleOptions = {},
): { score: number; reasons: FraudReason[] } {
  const weights = { ...DEFAULT_RULE_WEIGHTS, ...options.weights }
  const reasons: FraudReason[] = []
  const fire = (code: FraudRuleCode, detail: string) => reasons.push({ code, weight: weights[code], detail })

  const peak = peakRequestsPerMinute(session.requests)
  if (peak > (options.maxRequestsPerMinute ?? 60)) fire('RAPID_REQUESTS', `${peak} requests within 60 s`)
  const methods = session.paymentMethods ?? 0
  if (methods > (options.maxPaymentMethods ?? 3)) fire('MANY_PAYMENT_METHODS', `${methods} payment methods`)
  const tickets = session.ticketsRequested ?? 0
  if (tickets > (options.maxTickets ?? 10)) fire('BULK_TICKETS', `${tickets} tickets in one order`)
  const jump = maxGeoJumpKm(session.locations ?? [], options.geoJumpWindowMs ?? 3_600_000)
  if (jump > (options.geoJumpKm ?? 1000)) fire('GEO_JUMP', `${Math.round(jump)} km within an hour`)
  const cv = requestGapCv(session.requests)
  if (cv !== undefined && cv < (options.regularTimingCv ?? 0.1)) {
    fire('MACHINE_REGULAR_TIMING', `request gaps vary by ${(cv * 100).toFixed(1)}%`)
  }
  if (isbot(session.userAgent)) fire('BOT_USER_AGENT', `bot user agent: ${session.userAgent.slice(0, 80)}`)
  if (session.pointerEvents === 0 && session.requests.length >= 3)
    fire('NO_POINTER_EVENTS', 'no pointer events')
  const typing = meanKeystrokeMs(session.keystrokeIntervalsMs)
  if (typing !== undefined && typing < (options.minKeystrokeMs ?? 10)) {
    fire('INHUMAN_TYPING', `keystrokes every ${typing.toFixed(1)} ms`)
  }
  const length = sessionLengthMs(session.requests)
  if (length < (options.minSessionMs ?? 5000))
    fire('SHORT_SESSION', `session lasted ${(length / 1000).toFixed(1)} s`)

  reasons.sort((a, b) => b.weight - a.weight)
  const score = 1 - reasons.reduce((keep, r) => keep * (1 - r.weight), 1)
  return { score, reasons }
}
