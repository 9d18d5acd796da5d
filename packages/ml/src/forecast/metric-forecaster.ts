import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { normalTail } from '../detectors/stats.js'
import { MlError } from '../errors/ml-error.js'
import { invalidOptions } from '../validation/invalid-options.js'

/** Forecasting methods of {@link createMetricForecaster}. */
export type MetricForecastMethod = 'holt' | 'moving-average'

/** Options of {@link createMetricForecaster}. */
export interface MetricForecasterOptions {
  /** `holt` (linear trend, default) or `moving-average`. */
  readonly method?: MetricForecastMethod
  /** moving-average: points averaged. @default 12 */
  readonly window?: number
  /** holt: level smoothing; fitted by grid search on one-step errors when omitted. */
  readonly alpha?: number
  /** holt: trend smoothing; fitted with `alpha` when omitted. */
  readonly beta?: number
  /** Coverage of the prediction intervals. @default 0.9 */
  readonly coverage?: number
}

/** One forecast step. */
export interface ForecastPoint {
  /** Steps ahead (1 = the next point). */
  readonly step: number
  /** Point forecast. */
  readonly value: number
  /** Lower bound of the prediction interval. */
  readonly lower: number
  /** Upper bound of the prediction interval. */
  readonly upper: number
  /** Standard deviation of the forecast error at this step. */
  readonly stdDev: number
}

/** What {@link MetricForecaster.forecast} returns. */
export interface Forecast {
  readonly method: MetricForecastMethod
  readonly points: readonly ForecastPoint[]
  /** Smoothing parameters used (holt). */
  readonly alpha?: number
  readonly beta?: number
}

/** A metric to check in {@link MetricForecaster.failureRisk}. */
export interface MetricThreshold {
  /** Metric name, echoed in the result. */
  readonly name: string
  /** Past values, oldest first, evenly spaced. */
  readonly series: readonly number[]
  /** The limit that means failure. */
  readonly threshold: number
  /** Failure when the metric goes `above` (default) or `below` the threshold. */
  readonly direction?: 'above' | 'below'
  /** Steps ahead to look. @default 12 */
  readonly horizon?: number
}

/** Risk of one metric. */
export interface MetricRisk {
  readonly name: string
  /** Highest per-step probability of crossing the threshold within the horizon. */
  readonly probability: number
  /** First step whose point forecast crosses the threshold, if any. */
  readonly breachStep?: number
}

/** What {@link MetricForecaster.failureRisk} returns. */
export interface FailureRisk {
  /** Probability that at least one metric fails (metrics taken as independent). */
  readonly risk: number
  readonly level: 'low' | 'medium' | 'high'
  readonly metrics: readonly MetricRisk[]
}

/** Forecasts evenly spaced metric series with prediction intervals. */
export interface MetricForecaster {
  readonly method: MetricForecastMethod
  /** Forecasts `horizon` steps after the end of `series`. */
  forecast(series: readonly number[], horizon: number): Forecast
  /** Combines forecasts of several metrics against their thresholds into one failure risk. */
  failureRisk(metrics: readonly MetricThreshold[]): FailureRisk
}

const optionsSchema = z.strictObject({
  method: z.enum(['holt', 'moving-average']).optional(),
  window: z.number().int().min(1).optional(),
  alpha: z.number().gt(0).max(1).optional(),
  beta: z.number().min(0).max(1).optional(),
  coverage: z.number().gt(0).lt(1).optional(),
})

/** Inverse of the standard normal CDF (Acklam's approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const low = 0.02425
  const poly = (coef: number[], x: number) => coef.reduce((acc, k) => acc * x + k, 0)
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p))
    return poly(c, q) / (poly(d, q) * q + 1)
  }
  if (p > 1 - low) return -normalQuantile(1 - p)
  const q = p - 0.5
  const r = q * q
  return (poly(a, r) * q) / (poly(b, r) * r + 1)
}

function checkSeries(series: readonly number[], minimum: number): void {
  if (!Array.isArray(series) || series.length === 0)
    throw new MlError('ML_EMPTY_HISTORY', 'the series is empty')
  const bad = series.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v))
  if (bad >= 0) throw new MlError('ML_NAN_INPUT', `series[${bad}] is not a finite number`)
  if (series.length < minimum) {
    throw new MlError('ML_EMPTY_HISTORY', `the series needs at least ${minimum} points, got ${series.length}`)
  }
}

interface HoltFit {
  alpha: number
  beta: number
  level: number
  trend: number
  sigma: number
}

function holtRun(series: readonly number[], alpha: number, beta: number): HoltFit {
  let level = series[0] as number
  let trend = series.length > 1 ? (series[1] as number) - level : 0
  let sse = 0
  let n = 0
  for (let i = 1; i < series.length; i++) {
    const x = series[i] as number
    const predicted = level + trend
    sse += (x - predicted) ** 2
    n++
    const nextLevel = alpha * x + (1 - alpha) * (level + trend)
    trend = beta * (nextLevel - level) + (1 - beta) * trend
    level = nextLevel
  }
  return { alpha, beta, level, trend, sigma: Math.sqrt(sse / Math.max(1, n)) }
}

function fitHolt(series: readonly number[], alpha?: number, beta?: number): HoltFit {
  if (alpha !== undefined && beta !== undefined) return holtRun(series, alpha, beta)
  let best: HoltFit | undefined
  for (const a of alpha !== undefined ? [alpha] : [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9]) {
    for (const b of beta !== undefined ? [beta] : [0, 0.01, 0.05, 0.1, 0.2, 0.4]) {
      const fit = holtRun(series, a, b)
      if (!best || fit.sigma < best.sigma) best = fit
    }
  }
  return best as HoltFit
}

/**
 * Creates a metric forecaster: Holt's linear trend (smoothing fitted on one-step errors unless
 * given) or a moving average, both with Gaussian prediction intervals whose width grows with the
 * horizon as the method implies.
 */
export function createMetricForecaster(options: MetricForecasterOptions = {}): MetricForecaster {
  const o = parseInput(optionsSchema, options, invalidOptions('createMetricForecaster'))
  const method = o.method ?? 'holt'
  const window = o.window ?? 12
  const z = normalQuantile(0.5 + (o.coverage ?? 0.9) / 2)

  const forecaster: MetricForecaster = {
    method,
    forecast(series, horizon) {
      if (!Number.isInteger(horizon) || horizon < 1)
        throw new MlError('ML_INVALID_INPUT', 'horizon must be a positive integer')
      if (method === 'moving-average') {
        checkSeries(series, 1)
        const w = Math.min(window, series.length)
        const tail = series.slice(-w)
        const mean = tail.reduce((s, x) => s + x, 0) / w
        // Spread of one-step errors of the same moving average over the history.
        let sse = 0
        let n = 0
        for (let i = 1; i < series.length; i++) {
          const from = Math.max(0, i - w)
          const past = series.slice(from, i)
          const predicted = past.reduce((s, x) => s + x, 0) / past.length
          sse += ((series[i] as number) - predicted) ** 2
          n++
        }
        const sigma = n > 0 ? Math.sqrt(sse / n) : 0
        const points = Array.from({ length: horizon }, (_, k) => {
          const stdDev = sigma * Math.sqrt(1 + 1 / w)
          return { step: k + 1, value: mean, lower: mean - z * stdDev, upper: mean + z * stdDev, stdDev }
        })
        return { method, points }
      }
      checkSeries(series, 2)
      const fit = fitHolt(series, o.alpha, o.beta)
      const points = Array.from({ length: horizon }, (_, k) => {
        const h = k + 1
        let factor = 1
        for (let j = 1; j < h; j++) factor += (fit.alpha * (1 + j * fit.beta)) ** 2
        const stdDev = fit.sigma * Math.sqrt(factor)
        const value = fit.level + h * fit.trend
        return { step: h, value, lower: value - z * stdDev, upper: value + z * stdDev, stdDev }
      })
      return { method, points, alpha: fit.alpha, beta: fit.beta }
    },
    failureRisk(metrics) {
      if (!Array.isArray(metrics) || metrics.length === 0)
        throw new MlError('ML_EMPTY_HISTORY', 'no metrics given')
      const results: MetricRisk[] = metrics.map((m) => {
        if (!Number.isFinite(m.threshold))
          throw new MlError('ML_NAN_INPUT', `${m.name}: threshold is not finite`)
        const above = (m.direction ?? 'above') === 'above'
        const { points } = forecaster.forecast(m.series, m.horizon ?? 12)
        let probability = 0
        let breachStep: number | undefined
        for (const p of points) {
          const distance = above ? m.threshold - p.value : p.value - m.threshold
          const pStep = p.stdDev > 0 ? normalTail(distance / p.stdDev) : distance <= 0 ? 1 : 0
          probability = Math.max(probability, pStep)
          if (breachStep === undefined && distance <= 0) breachStep = p.step
        }
        return breachStep === undefined
          ? { name: m.name, probability }
          : { name: m.name, probability, breachStep }
      })
      const risk = 1 - results.reduce((keep, r) => keep * (1 - r.probability), 1)
      return { risk, level: risk >= 0.7 ? 'high' : risk >= 0.3 ? 'medium' : 'low', metrics: results }
    },
  }
  return forecaster
}
