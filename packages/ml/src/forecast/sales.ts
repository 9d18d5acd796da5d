import { mulberry32 } from '@opskit/core/internal'
import { MlError } from '../errors/ml-error.js'
import { createMetricForecaster } from './metric-forecaster.js'

/** Daily sales of one event (or product launch) with a fixed capacity. */
export interface SalesCurve {
  /** Units available in total. */
  readonly capacity: number
  /** Units sold per day since sales opened, oldest first. */
  readonly dailySales: readonly number[]
  /** Days from sales opening to the event (after it, nothing sells). */
  readonly horizonDays: number
}

/**
 * Shapes of generated sales: `diffusion` (Bass diffusion with weekday pattern, on-sale spike and
 * last-week surge), `plateau` (the same, with a lull of 5–15 days at 10–35% of the demand in the
 * first half, ended by a second on-sale wave), `early-sellout` (a large market and a fast diffusion
 * with a big on-sale spike: sold out in the first third to half of the sale).
 */
export type SalesShape = 'diffusion' | 'plateau' | 'early-sellout'

/** A curve with its known outcome (generated data). */
export interface GeneratedSalesCurve extends SalesCurve {
  /** Fractional day at which cumulative sales reached capacity, or `null` when it never sold out. */
  readonly selloutDay: number | null
  /** The shape the curve was generated with. */
  readonly shape: SalesShape
}

/** Options of {@link generateSalesCurves}. */
export interface SalesGeneratorOptions {
  readonly count: number
  /** @default 1 */
  readonly seed?: number
  /**
   * Shapes to draw from, each curve one of them with equal odds. With one shape no draw is made,
   * so `['diffusion']` gives the same curves as before shapes existed. @default ['diffusion']
   */
  readonly shapes?: readonly SalesShape[]
}

const SALES_SHAPES: readonly SalesShape[] = ['diffusion', 'plateau', 'early-sellout']

/**
 * Generates ticket-sale curves with known sell-out times: Bass-diffusion demand (innovation p,
 * imitation q) over a 20–60 day sale, a weekday pattern, an on-sale spike, a last-week surge and
 * noise; capacity 300–5,000; market size 0.7–1.8× capacity, so about two thirds sell out. Other
 * {@link SalesShape}s add a lull with a second wave, or an early sell-out.
 */
export function generateSalesCurves(options: SalesGeneratorOptions): GeneratedSalesCurve[] {
  const shapes = options.shapes ?? ['diffusion']
  if (shapes.length === 0 || shapes.some((shape) => !SALES_SHAPES.includes(shape))) {
    throw new MlError('ML_INVALID_INPUT', `shapes must be a non-empty list of ${SALES_SHAPES.join(', ')}`)
  }
  const random = mulberry32(options.seed ?? 1)
  const between = (lo: number, hi: number) => lo + random() * (hi - lo)
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  return Array.from({ length: options.count }, () => {
    const shape =
      shapes.length === 1
        ? (shapes[0] as SalesShape)
        : (shapes[Math.floor(random() * shapes.length)] as SalesShape)
    const early = shape === 'early-sellout'
    const capacity = Math.round(between(300, 5000))
    const horizonDays = Math.round(between(20, 60))
    const market = capacity * (early ? between(1.2, 2) : between(0.7, 1.8))
    const p = between(0.01, 0.05)
    const q = between(0.1, 0.5) * (40 / horizonDays) * (early ? 2 : 1)
    const bass = (t: number) => (1 - Math.exp(-(p + q) * t)) / (1 + (q / p) * Math.exp(-(p + q) * t))
    const weekdayPhase = Math.floor(random() * 7)
    // The on-sale spike, as a share of the market (early sell-out: 25–45% of the capacity).
    const spike = early ? (capacity / market) * between(0.25, 0.45) : between(0.02, 0.08)
    // A lull in the first half, ended by a second on-sale wave (plateau shape only).
    const lull =
      shape === 'plateau'
        ? {
            start: Math.floor(between(0.05, 0.25) * horizonDays),
            days: Math.round(between(5, 15)),
            level: between(0.1, 0.35),
            wave: between(0.05, 0.15),
          }
        : undefined
    const dailySales: number[] = []
    let sold = 0
    let selloutDay: number | null = null
    for (let day = 0; day < horizonDays && selloutDay === null; day++) {
      let demand = market * (bass(day + 1) - bass(day))
      if (day === 0) demand += market * spike
      if (lull && day >= lull.start && day < lull.start + lull.days) demand *= lull.level
      if (lull && day === lull.start + lull.days) demand += market * lull.wave
      if (horizonDays - day <= 7) demand *= 1.3
      const weekday = (day + weekdayPhase) % 7
      demand *= weekday >= 5 ? 1.25 : 0.95
      demand *= Math.exp(0.15 * gaussian())
      const units = Math.max(0, Math.round(demand))
      if (sold + units >= capacity) {
        const left = capacity - sold
        selloutDay = day + (units > 0 ? left / units : 1)
        dailySales.push(left)
        sold = capacity
      } else {
        dailySales.push(units)
        sold += units
      }
    }
    return { capacity, dailySales, horizonDays, selloutDay, shape }
  })
}

/** Checks a sales curve and returns its cumulative sales. */
export function checkSalesCurve(curve: SalesCurve): number {
  if (!curve || !Number.isFinite(curve.capacity) || curve.capacity <= 0) {
    throw new MlError('ML_INVALID_INPUT', 'capacity must be a positive number')
  }
  if (!Array.isArray(curve.dailySales) || curve.dailySales.length === 0) {
    throw new MlError('ML_EMPTY_HISTORY', 'dailySales is empty')
  }
  const bad = curve.dailySales.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0)
  if (bad >= 0) throw new MlError('ML_NAN_INPUT', `dailySales[${bad}] is not a finite, non-negative number`)
  return curve.dailySales.reduce((a, b) => a + b, 0)
}

/**
 * The baseline: the current sales velocity (exponentially smoothed daily sales, alpha 0.3)
 * extrapolated until the remaining capacity is gone. Returns days from now, or `null` when that
 * is more than `maxDays` away.
 */
export function baselineDaysToSellout(
  curve: SalesCurve,
  maxDays = 365,
): { days: number | null; velocity: number } {
  const sold = checkSalesCurve(curve)
  const remaining = curve.capacity - sold
  let velocity = curve.dailySales[0] as number
  for (let i = 1; i < curve.dailySales.length; i++)
    velocity = 0.3 * (curve.dailySales[i] as number) + 0.7 * velocity
  if (remaining <= 0) return { days: 0, velocity }
  if (velocity <= 0) return { days: null, velocity }
  const days = remaining / velocity
  return { days: days <= maxDays ? days : null, velocity }
}

/**
 * The seasonal-naive baseline: every future day sells what the same weekday sold in the last
 * `period` days (the last week repeats), until the remaining capacity is gone. Returns days from
 * now (fractional on the last day), or `null` when that is more than `maxDays` away or the last
 * week sold nothing. With fewer than `period` days of history, the days there are repeat.
 */
export function seasonalNaiveDaysToSellout(curve: SalesCurve, period = 7, maxDays = 365): number | null {
  const sold = checkSalesCurve(curve)
  let remaining = curve.capacity - sold
  if (remaining <= 0) return 0
  const season = curve.dailySales.slice(-period)
  if (season.reduce((a, b) => a + b, 0) <= 0) return null
  for (let day = 0; day < maxDays; day++) {
    const units = season[day % season.length] as number
    if (units >= remaining) return day + remaining / units
    remaining -= units
  }
  return null
}

/**
 * The Holt baseline: daily sales forecast with Holt's linear trend (smoothing constants fitted on
 * one-step errors), clamped at zero, accumulated until the remaining capacity is gone. Returns
 * days from now, or `null` beyond `maxDays` (a falling trend may never sell out). Needs two days.
 */
export function holtDaysToSellout(curve: SalesCurve, maxDays = 365): number | null {
  const sold = checkSalesCurve(curve)
  let remaining = curve.capacity - sold
  if (remaining <= 0) return 0
  const { points } = createMetricForecaster({ method: 'holt' }).forecast(curve.dailySales, maxDays)
  for (const [day, point] of points.entries()) {
    const units = Math.max(0, point.value)
    if (units > 0 && units >= remaining) return day + remaining / units
    remaining -= units
  }
  return null
}
