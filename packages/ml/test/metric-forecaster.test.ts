import { isOpskitError } from '@opskit/core'
import { mulberry32 } from '@opskit/core/internal'
import { describe, expect, it } from 'vitest'
import { createMetricForecaster, type MlErrorCode, normalQuantile } from '../src/index.js'

const isMlError = (code: MlErrorCode) => (error: unknown) => isOpskitError(error, code)

function noisyLine(n: number, slope: number, noise: number, seed: number): number[] {
  const random = mulberry32(seed)
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  return Array.from({ length: n }, (_, i) => 100 + slope * i + noise * gaussian())
}

describe('metric forecaster', () => {
  it('computes normal quantiles', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5)
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9)
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5)
  })

  it('holt follows a trend and its 90% intervals cover about 90% of what comes next', () => {
    const fc = createMetricForecaster({ method: 'holt' })
    let covered = 0
    let total = 0
    for (let seed = 1; seed <= 40; seed++) {
      const series = noisyLine(130, 0.5, 2, seed)
      const forecast = fc.forecast(series.slice(0, 120), 10)
      expect(forecast.points).toHaveLength(10)
      expect(forecast.points[9]?.value).toBeGreaterThan(forecast.points[0]?.value ?? Number.POSITIVE_INFINITY)
      for (const p of forecast.points) {
        const actual = series[119 + p.step] as number
        total++
        if (actual >= p.lower && actual <= p.upper) covered++
      }
      // Intervals widen with the horizon.
      expect(forecast.points[9]?.stdDev).toBeGreaterThanOrEqual(forecast.points[0]?.stdDev ?? 0)
    }
    expect(covered / total).toBeGreaterThan(0.8)
    expect(covered / total).toBeLessThan(0.98)
  })

  it('moving average forecasts the recent mean with a constant interval', () => {
    const fc = createMetricForecaster({ method: 'moving-average', window: 4 })
    const forecast = fc.forecast([1, 2, 3, 4, 10, 10, 10, 10], 3)
    expect(forecast.points.map((p) => p.value)).toEqual([10, 10, 10])
    expect(forecast.points[0]?.upper).toBeGreaterThan(10)
    expect(forecast.points[2]?.stdDev).toBe(forecast.points[0]?.stdDev)
  })

  it('failureRisk is high for a metric heading through its limit and low for a stable one', () => {
    const fc = createMetricForecaster()
    const rising = noisyLine(60, 1, 0.5, 3)
    const stable = noisyLine(60, 0, 0.5, 4)
    const high = fc.failureRisk([{ name: 'disk', series: rising, threshold: 170, horizon: 20 }])
    expect(high.level).toBe('high')
    expect(high.metrics[0]?.breachStep).toBeGreaterThan(5)
    expect(high.metrics[0]?.breachStep).toBeLessThan(15)
    const low = fc.failureRisk([
      { name: 'cpu', series: stable, threshold: 150 },
      { name: 'free', series: stable, threshold: 50, direction: 'below' },
    ])
    expect(low.level).toBe('low')
    expect(low.risk).toBeLessThan(0.01)
    const both = fc.failureRisk([
      { name: 'disk', series: rising, threshold: 170, horizon: 20 },
      { name: 'cpu', series: stable, threshold: 150 },
    ])
    expect(both.risk).toBeGreaterThanOrEqual(high.risk)
  })

  it('rejects bad input with stable MlError codes', () => {
    const fc = createMetricForecaster()
    expect(() => fc.forecast([], 3)).toThrow(expect.objectContaining({ code: 'ML_EMPTY_HISTORY' }))
    expect(() => fc.forecast([1, Number.NaN, 3], 3)).toThrow(
      expect.objectContaining({ code: 'ML_NAN_INPUT' }),
    )
    expect(() => fc.forecast([1, 2, 3], 0)).toThrow(expect.objectContaining({ code: 'ML_INVALID_INPUT' }))
    expect(() => createMetricForecaster({ method: 'arima' as never })).toThrow(
      expect.objectContaining({ code: 'ML_INVALID_OPTIONS' }),
    )
    let caught: unknown
    try {
      fc.failureRisk([])
    } catch (error) {
      caught = error
    }
    expect(isMlError('ML_EMPTY_HISTORY')(caught)).toBe(true)
  })
})
