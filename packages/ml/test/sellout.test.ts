import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isOpskitError } from '@opskit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  baselineDaysToSellout,
  generateSalesCurves,
  holtDaysToSellout,
  type MlErrorCode,
  seasonalNaiveDaysToSellout,
} from '../src/index.js'
import { createSelloutForecaster, evaluateSellout, useBestBackend } from '../src/tfjs/index.js'

const isMlError = (code: MlErrorCode) => (error: unknown) => isOpskitError(error, code)

describe('sell-out forecasting', () => {
  const dir = { path: '' }
  beforeAll(async () => {
    await useBestBackend()
    dir.path = await mkdtemp(join(tmpdir(), 'opskit-ml-sellout-'))
  })
  afterAll(() => rm(dir.path, { recursive: true, force: true }))

  it('generates curves whose recorded sell-out matches their sales', () => {
    const curves = generateSalesCurves({ count: 50, seed: 2 })
    expect(generateSalesCurves({ count: 50, seed: 2 })).toEqual(curves)
    const soldOut = curves.filter((c) => c.selloutDay !== null)
    expect(soldOut.length).toBeGreaterThan(20)
    for (const c of soldOut) {
      expect(c.dailySales.reduce((a, b) => a + b, 0)).toBe(c.capacity)
      expect(c.selloutDay).toBeGreaterThan(c.dailySales.length - 1)
      expect(c.selloutDay).toBeLessThanOrEqual(c.dailySales.length)
    }
  })

  it('generates plateaus with a second wave and early sell-outs on request, and the same diffusion curves by default', () => {
    const byDefault = generateSalesCurves({ count: 60, seed: 4 })
    expect(generateSalesCurves({ count: 60, seed: 4, shapes: ['diffusion'] })).toEqual(byDefault)
    expect(byDefault.every((c) => c.shape === 'diffusion')).toBe(true)
    // A lull and a second wave: 5 days selling less than half of the 5 days before them, then
    // 5 days selling over 1.5 times the lull.
    const hasLull = (c: { dailySales: readonly number[] }) =>
      c.dailySales.some((_, i) => {
        if (i < 5 || i + 10 > c.dailySales.length) return false
        const sum = (from: number) => c.dailySales.slice(from, from + 5).reduce((a, b) => a + b, 0)
        return sum(i) < 0.5 * sum(i - 5) && sum(i + 5) > 1.5 * sum(i)
      })
    const plateaus = generateSalesCurves({ count: 60, seed: 4, shapes: ['plateau'] })
    expect(plateaus.filter(hasLull).length).toBeGreaterThan(25)
    expect(byDefault.filter(hasLull).length).toBeLessThan(3)
    const early = generateSalesCurves({ count: 60, seed: 4, shapes: ['early-sellout'] })
    expect(early.every((c) => c.selloutDay !== null && c.selloutDay < c.horizonDays / 2)).toBe(true)
    const firstDayShare = early.map((c) => (c.dailySales[0] as number) / c.capacity).sort((a, b) => a - b)
    expect(firstDayShare[30]).toBeGreaterThan(0.25)
    const mixed = generateSalesCurves({
      count: 90,
      seed: 4,
      shapes: ['diffusion', 'plateau', 'early-sellout'],
    })
    expect(new Set(mixed.map((c) => c.shape)).size).toBe(3)
    for (const shapes of [[], ['spiky']]) {
      expect(() => generateSalesCurves({ count: 1, shapes: shapes as never })).toThrow(
        expect.objectContaining({ code: 'ML_INVALID_INPUT' }),
      )
    }
  })

  it('the seasonal-naive baseline repeats the last week until the capacity is gone', () => {
    const week = [10, 10, 10, 10, 10, 30, 30]
    expect(seasonalNaiveDaysToSellout({ capacity: 200, dailySales: week, horizonDays: 60 })).toBe(6 + 10 / 30)
    expect(seasonalNaiveDaysToSellout({ capacity: 100, dailySales: [5, 5], horizonDays: 60 })).toBe(18)
    expect(seasonalNaiveDaysToSellout({ capacity: 20, dailySales: [10, 10], horizonDays: 60 })).toBe(0)
    expect(
      seasonalNaiveDaysToSellout({ capacity: 20, dailySales: [10, 0, 0, 0, 0, 0, 0, 0], horizonDays: 60 }),
    ).toBeNull()
  })

  it('the Holt baseline accumulates its trend forecast until the capacity is gone', () => {
    expect(holtDaysToSellout({ capacity: 100, dailySales: [10, 10, 10, 10], horizonDays: 60 })).toBeCloseTo(
      6,
      6,
    )
    // A falling trend that reaches zero before the capacity is gone never sells out.
    expect(holtDaysToSellout({ capacity: 1000, dailySales: [40, 30, 20, 10], horizonDays: 60 })).toBeNull()
  })

  it('the baseline extrapolates the smoothed velocity', () => {
    expect(baselineDaysToSellout({ capacity: 100, dailySales: [10, 10, 10], horizonDays: 30 })).toEqual({
      days: 7,
      velocity: 10,
    })
    expect(baselineDaysToSellout({ capacity: 30, dailySales: [10, 10, 10], horizonDays: 30 }).days).toBe(0)
  })

  it('the LSTM beats the seasonal-naive baseline on held-out generated events, and save → load predicts identically', async () => {
    const forecaster = await createSelloutForecaster({ epochs: 10, units: 8 })
    const { sequences } = await forecaster.fit(generateSalesCurves({ count: 150, seed: 5 }))
    expect(sequences).toBeGreaterThan(300)
    // Held out: another seed, never seen in training.
    const heldOut = generateSalesCurves({ count: 80, seed: 99 })
    const evaluation = evaluateSellout(forecaster, heldOut)
    expect(evaluation.cases).toBeGreaterThan(100)
    expect(evaluation.seasonalNaiveMape).toBeGreaterThan(0)
    expect(evaluation.mape).toBeLessThan(evaluation.seasonalNaiveMape * 0.85)
    expect(evaluation.mape).toBeLessThan(evaluation.baselineMape)
    expect(evaluation.mape).toBeLessThan(evaluation.holtMape)
    // The p10–p90 interval is calibrated on training residuals: it should hold most outcomes.
    expect(evaluation.coverage).toBeGreaterThan(0.6)
    expect(evaluation.coverage).toBeLessThanOrEqual(1)

    const startedAt = Date.UTC(2025, 0, 1)
    const path = join(dir.path, 'sellout.json')
    await forecaster.save(path)
    const loaded = await createSelloutForecaster.load(path)
    for (const curve of heldOut.slice(0, 20)) {
      const sale = { ...curve, dailySales: curve.dailySales.slice(0, 5), startedAt }
      const prediction = forecaster.predict(sale)
      expect(prediction.p10).toBeLessThanOrEqual(prediction.p90)
      expect(prediction.daysToSellout).toBeGreaterThanOrEqual(0)
      expect(prediction.velocity).toBeGreaterThanOrEqual(0)
      if (prediction.selloutAt !== null)
        expect(prediction.selloutAt).toBeGreaterThan(startedAt + 5 * 86_400_000 - 1)
      expect(loaded.predict(sale)).toEqual(prediction)
    }
  }, 240_000)

  it('rejects bad input with stable MlError codes', async () => {
    const forecaster = await createSelloutForecaster()
    await expect(forecaster.fit([])).rejects.toSatisfy(isMlError('ML_EMPTY_HISTORY'))
    expect(() => forecaster.predict({ capacity: 10, dailySales: [1], horizonDays: 10 })).toThrow(
      expect.objectContaining({ code: 'ML_NOT_TRAINED' }),
    )
    expect(() => forecaster.predict({ capacity: 10, dailySales: [], horizonDays: 10 })).toThrow(
      expect.objectContaining({ code: 'ML_EMPTY_HISTORY' }),
    )
    expect(() => forecaster.predict({ capacity: 10, dailySales: [1, Number.NaN], horizonDays: 10 })).toThrow(
      expect.objectContaining({ code: 'ML_NAN_INPUT' }),
    )
    const baseline = await createSelloutForecaster({ method: 'baseline' })
    expect(baseline.predict({ capacity: 100, dailySales: [10, 10, 10], horizonDays: 30 }).daysToSellout).toBe(
      7,
    )
  })
})
