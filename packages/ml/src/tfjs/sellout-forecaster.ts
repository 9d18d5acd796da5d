import { mulberry32 } from '@opskit/core/internal'
import { MlError } from '../errors/ml-error.js'
import {
  baselineDaysToSellout,
  checkSalesCurve,
  type GeneratedSalesCurve,
  holtDaysToSellout,
  type SalesCurve,
  seasonalNaiveDaysToSellout,
} from '../forecast/sales.js'
import { toModelStore } from '../store/model-io.js'
import type { ModelIO } from '../store/model-store.js'
import { checkSelloutOptions } from '../validation/model-options.js'
import { type LstmWeights, lstmForward } from './lstm-net.js'
import { trainLstmHere } from './lstm-training.js'
import { runInWorker } from './worker-pool.js'

/** A sale in progress, as given to {@link SelloutForecaster.predict}. */
export interface SaleInProgress extends SalesCurve {
  /** When sales opened (epoch ms); `selloutAt` is counted from here. @default 0 */
  readonly startedAt?: number
}

/** What {@link SelloutForecaster.predict} returns. */
export interface SelloutPrediction {
  /** Expected sell-out instant (epoch ms), or `null` when not expected before the event. */
  readonly selloutAt: number | null
  /** Expected days from now to sell-out (may exceed the days left when it will not sell out). */
  readonly daysToSellout: number
  /** 10th / 90th percentile of the sell-out instant (epoch ms). */
  readonly p10: number
  readonly p90: number
  /** Current sales velocity, units per day (smoothed). */
  readonly velocity: number
}

/** Options of {@link createSelloutForecaster}. */
export interface SelloutForecasterOptions {
  /** `lstm` (default) or `baseline` (Holt-smoothed velocity, no training). */
  readonly method?: 'lstm' | 'baseline'
  /** Days of history the LSTM reads. @default 14 */
  readonly sequenceLength?: number
  /** LSTM units. @default 16 */
  readonly units?: number
  /** @default 20 */
  readonly epochs?: number
  /** @default 1 */
  readonly seed?: number
  /** Train in the shared `worker_threads` worker (default) or on the calling thread. */
  readonly trainIn?: 'worker' | 'main'
}

/** Sell-out forecaster. */
export interface SelloutForecaster {
  readonly method: 'lstm' | 'baseline'
  /** Trains on finished sales (curves that sold out teach the model; others are skipped). */
  fit(history: readonly (SalesCurve & { selloutDay: number | null })[]): Promise<{ sequences: number }>
  /** Forecasts the sell-out of a sale in progress (synchronous, plain JS after training). */
  predict(sale: SaleInProgress): SelloutPrediction
  /** Saves the trained weights and calibration. */
  save(io: ModelIO): Promise<void>
}

const DAY = 86_400_000

function features(curve: SalesCurve, length: number): number[][] {
  const sales = curve.dailySales
  const rows: number[][] = []
  let cumulative = 0
  const all: number[][] = []
  for (let d = 0; d < sales.length; d++) {
    cumulative += sales[d] as number
    all.push([
      (10 * (sales[d] as number)) / curve.capacity,
      cumulative / curve.capacity,
      (d + 1) / 60,
      (curve.horizonDays - d - 1) / 60,
    ])
  }
  for (let i = 0; i < length - all.length; i++) rows.push([0, 0, 0, 0])
  return rows.concat(all.slice(-length))
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))] as number
}

interface Trained {
  weights: LstmWeights
  residualP10: number
  residualP90: number
}

/**
 * Creates a sell-out forecaster. `lstm` reads the last `sequenceLength` days (sales and
 * cumulative share of capacity, days elapsed, days to the event) and predicts log days to
 * sell-out; p10/p90 come from the residuals on the training sequences. `baseline` extrapolates a
 * Holt-smoothed velocity. After `fit`, `predict` runs in plain JS (no tensors).
 */
export async function createSelloutForecaster(
  options: SelloutForecasterOptions = {},
): Promise<SelloutForecaster> {
  checkSelloutOptions(options)
  const method = options.method ?? 'lstm'
  const length = options.sequenceLength ?? 14
  const units = options.units ?? 16
  const seed = options.seed ?? 1
  const trainIn = options.trainIn ?? 'worker'
  let trained: Trained | undefined

  const forecaster: SelloutForecaster = {
    method,
    async fit(history) {
      if (!Array.isArray(history) || history.length === 0)
        throw new MlError('ML_EMPTY_HISTORY', 'fit() needs sales history')
      if (method === 'baseline') return { sequences: 0 }
      const random = mulberry32(seed)
      const xs: number[][][] = []
      const ys: number[] = []
      for (const curve of history) {
        checkSalesCurve(curve)
        if (curve.selloutDay === null || curve.selloutDay < 4) continue
        const cuts = new Set<number>()
        for (let k = 0; k < 6; k++) cuts.add(3 + Math.floor(random() * (Math.floor(curve.selloutDay) - 3)))
        for (const cut of cuts) {
          const partial = { ...curve, dailySales: curve.dailySales.slice(0, cut) }
          xs.push(features(partial, length))
          ys.push(Math.log1p(curve.selloutDay - cut))
        }
      }
      if (xs.length < 8) throw new MlError('ML_EMPTY_HISTORY', 'too few sold-out sales to learn from')
      const train = { length, units, epochs: options.epochs ?? 20, seed }
      const weights = await (trainIn === 'worker'
        ? runInWorker('lstm', { xs, ys, options: train })
        : trainLstmHere(xs, ys, train))
      const residuals = xs
        .map((seq, i) => (ys[i] as number) - lstmForward(weights, seq))
        .sort((a, b) => a - b)
      trained = { weights, residualP10: quantile(residuals, 0.1), residualP90: quantile(residuals, 0.9) }
      return { sequences: xs.length }
    },
    predict(sale) {
      const sold = checkSalesCurve(sale)
      if (!Number.isFinite(sale.horizonDays))
        throw new MlError('ML_INVALID_INPUT', 'horizonDays must be a number')
      const start = sale.startedAt ?? 0
      const elapsed = sale.dailySales.length
      const baseline = baselineDaysToSellout(sale)
      const at = (days: number) => start + (elapsed + days) * DAY
      const daysLeft = sale.horizonDays - elapsed
      if (sold >= sale.capacity) {
        return { selloutAt: at(0), daysToSellout: 0, p10: at(0), p90: at(0), velocity: baseline.velocity }
      }
      let days: number
      let low: number
      let high: number
      if (method === 'baseline' || !trained) {
        if (method === 'lstm') throw new MlError('ML_NOT_TRAINED', 'fit() the LSTM before predict()')
        days = baseline.days ?? Number.POSITIVE_INFINITY
        low = days * 0.8
        high = days * 1.25
      } else {
        const logDays = lstmForward(trained.weights, features(sale, length))
        days = Math.max(0, Math.expm1(logDays))
        low = Math.max(0, Math.expm1(logDays + trained.residualP10))
        high = Math.max(0, Math.expm1(logDays + trained.residualP90))
      }
      return {
        selloutAt: days <= daysLeft ? at(days) : null,
        daysToSellout: days,
        p10: at(low),
        p90: at(high),
        velocity: baseline.velocity,
      }
    },
    async save(io) {
      if (method === 'lstm' && !trained) throw new MlError('ML_NOT_TRAINED', 'fit() before save()')
      await toModelStore(io).write(
        JSON.stringify({
          format: 'opskit-ml-sellout',
          version: 1,
          method,
          length,
          units,
          seed,
          trained: trained ?? null,
        }),
      )
    },
  }
  return forecaster
}

/** Restores a forecaster saved with {@link SelloutForecaster.save}. */
createSelloutForecaster.load = async (io: ModelIO): Promise<SelloutForecaster> => {
  const document = await toModelStore(io).read()
  if (document === undefined) throw new MlError('ML_MODEL_IO_FAILED', 'no saved sell-out forecaster found')
  const saved = JSON.parse(document) as {
    format: string
    method: 'lstm' | 'baseline'
    length: number
    units: number
    seed: number
    trained: Trained | null
  }
  if (saved.format !== 'opskit-ml-sellout')
    throw new MlError('ML_MODEL_IO_FAILED', 'not a saved sell-out forecaster')
  const forecaster = await createSelloutForecaster({
    method: saved.method,
    sequenceLength: saved.length,
    units: saved.units,
    seed: saved.seed,
  })
  return saved.trained ? withTrained(forecaster, saved, saved.trained) : forecaster
}

function withTrained(
  base: SelloutForecaster,
  saved: { method: 'lstm' | 'baseline'; length: number; units: number; seed: number },
  trained: Trained,
): SelloutForecaster {
  const length = saved.length
  return {
    ...base,
    predict(sale) {
      const sold = checkSalesCurve(sale)
      const start = sale.startedAt ?? 0
      const elapsed = sale.dailySales.length
      const at = (days: number) => start + (elapsed + days) * DAY
      const velocity = baselineDaysToSellout(sale).velocity
      if (sold >= sale.capacity)
        return { selloutAt: at(0), daysToSellout: 0, p10: at(0), p90: at(0), velocity }
      const logDays = lstmForward(trained.weights, features(sale, length))
      const days = Math.max(0, Math.expm1(logDays))
      return {
        selloutAt: days <= sale.horizonDays - elapsed ? at(days) : null,
        daysToSellout: days,
        p10: at(Math.max(0, Math.expm1(logDays + trained.residualP10))),
        p90: at(Math.max(0, Math.expm1(logDays + trained.residualP90))),
        velocity,
      }
    },
    async save(io) {
      await toModelStore(io).write(
        JSON.stringify({ format: 'opskit-ml-sellout', version: 1, ...saved, trained }),
      )
    },
  }
}

/** What {@link evaluateSellout} measures: MAPE (%) of the remaining days to sell-out, per method. */
export interface SelloutEvaluation {
  /** MAPE of the forecaster under test. */
  readonly mape: number
  /** MAPE of the smoothed-velocity baseline ({@link baselineDaysToSellout}). */
  readonly baselineMape: number
  /** MAPE of the seasonal-naive baseline (the last week repeats, {@link seasonalNaiveDaysToSellout}). */
  readonly seasonalNaiveMape: number
  /** MAPE of the Holt baseline (daily sales by Holt's linear trend, {@link holtDaysToSellout}). */
  readonly holtMape: number
  /** Share of cases whose actual sell-out fell inside the forecaster's p10–p90 interval (nominal 0.8). */
  readonly coverage: number
  /** Sales cut and predicted (curves that sold out × cut fractions). */
  readonly cases: number
}

/**
 * MAPE of the remaining days to sell-out on curves with a known sell-out day, each cut at
 * `cutFractions` of it: the forecaster against the smoothed-velocity and seasonal-naive baselines.
 * Predictions beyond a year (or none) count as 365 days.
 */
export function evaluateSellout(
  forecaster: SelloutForecaster,
  heldOut: readonly GeneratedSalesCurve[],
  cutFractions: readonly number[] = [0.3, 0.5, 0.7],
): SelloutEvaluation {
  let err = 0
  let baseErr = 0
  let naiveErr = 0
  let holtErr = 0
  let covered = 0
  let cases = 0
  for (const curve of heldOut) {
    if (curve.selloutDay === null) continue
    for (const fraction of cutFractions) {
      const cut = Math.floor(curve.selloutDay * fraction)
      if (cut < 3) continue
      const actual = curve.selloutDay - cut
      const sale = { ...curve, dailySales: curve.dailySales.slice(0, cut), startedAt: 0 }
      const prediction = forecaster.predict(sale)
      const predicted = prediction.daysToSellout
      const base = baselineDaysToSellout(sale).days ?? 365
      const naive = seasonalNaiveDaysToSellout(sale) ?? 365
      const holt = holtDaysToSellout(sale) ?? 365
      // p10/p90 are instants counted from startedAt (0 here) at the start of the sale.
      const low = prediction.p10 / DAY - cut
      const high = prediction.p90 / DAY - cut
      if (actual >= low && actual <= high) covered++
      holtErr += Math.abs(holt - actual) / actual
      err += Math.abs(Math.min(predicted, 365) - actual) / actual
      baseErr += Math.abs(base - actual) / actual
      naiveErr += Math.abs(naive - actual) / actual
      cases++
    }
  }
  const mape = (sum: number) => (100 * sum) / Math.max(1, cases)
  return {
    mape: mape(err),
    baselineMape: mape(baseErr),
    seasonalNaiveMape: mape(naiveErr),
    holtMape: mape(holtErr),
    coverage: covered / Math.max(1, cases),
    cases,
  }
}
