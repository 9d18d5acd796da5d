import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MlError } from '../errors/ml-error.js'
import { toModelStore } from '../model-store/file-model-store.js'
import type { ModelIO } from '../model-store/model-store.js'
import type {
  AnomalyDetector,
  AnomalyDetectorKind,
  AnomalyReason,
  AnomalyResult,
  DetectorSnapshot,
} from './anomaly-detector.js'
import { AnomalyLikelihood, type AnomalyLikelihoodState, logLikelihood } from './anomaly-likelihood.js'
import { ChangeSurprise, type ChangeSurpriseState } from './change-surprise.js'
import { ContextNovelty, type ContextNoveltyState } from './context-novelty.js'
import { WindowedGaussian, type WindowedGaussianState } from './windowed-gaussian.js'

/** Options of {@link createAnomalyDetector}. Every default is global: nothing is tuned per series. */
export interface AnomalyDetectorOptions {
  /**
   * `ensemble` (default; pure TypeScript) or `zscore` (windowed Gaussian, the cheap fallback).
   * `autoencoder` is built by `createAnomalyDetector` from `@opskit/ml/tfjs`.
   */
  readonly kind?: Exclude<AnomalyDetectorKind, 'autoencoder'>
  /** zscore: points in the Gaussian window (default 6400). ensemble: points in the change window (default 500). */
  readonly windowSize?: number
  /** zscore: refit the Gaussian every this many points once the window is full. @default 100 */
  readonly stepSize?: number
  /** Score at or above which `isAnomaly` is true. @default 1 for zscore, 0.54 for ensemble */
  readonly threshold?: number
  /** ensemble: quantisation levels over the warm-up range of the coarse context model (the finer ones use 2x and 4x as many). @default 20 */
  readonly levels?: number
  /** ensemble: points used to choose the quantisation. @default 250 */
  readonly warmup?: number
  /** ensemble: share of the seen range beyond which a value is out of range. @default 0.03 */
  readonly spatialTolerance?: number
  /** ensemble: points before the likelihood layer collects raw scores. @default 288 */
  readonly learningPeriod?: number
  /** ensemble: raw scores collected before the first likelihood estimate. @default 100 */
  readonly estimationSamples?: number
  /** ensemble: raw scores the likelihood layer remembers. @default 8640 */
  readonly historicWindowSize?: number
  /**
   * ensemble: factor applied to a score that does not exceed every score of the previous 100
   * points (temporal non-maximum suppression, so one event alarms once). @default 0.7
   */
  readonly suppressionFactor?: number
}

const positiveInt = z.number().int().positive()
const optionsSchema = z.strictObject({
  kind: z.enum(['zscore', 'ensemble']).optional(),
  windowSize: positiveInt.optional(),
  stepSize: positiveInt.optional(),
  threshold: z.number().min(0).max(1.1).optional(),
  levels: positiveInt.optional(),
  warmup: positiveInt.optional(),
  spatialTolerance: z.number().min(0).max(10).optional(),
  learningPeriod: z.number().int().min(0).optional(),
  estimationSamples: positiveInt.optional(),
  historicWindowSize: positiveInt.optional(),
  suppressionFactor: z.number().min(0).max(1).optional(),
})

const pointSchema = z.object({
  timestamp: z.union([z.number(), z.date()]),
  value: z.number(),
})
const historySchema = z.array(pointSchema)

const invalid = (message: string, cause?: unknown) => new MlError('ML_INVALID_INPUT', message, { cause })

interface Engine {
  step(value: number): { score: number; reason: AnomalyReason }
  state(): unknown
}

function zscoreEngine(o: Record<string, number>, state?: WindowedGaussianState): Engine {
  const gaussian = state
    ? WindowedGaussian.from(state)
    : new WindowedGaussian(o.windowSize as number, o.stepSize as number)
  return {
    step(value) {
      const warming = gaussian.size < Math.min(ZSCORE_WARMUP, o.windowSize as number)
      const score = gaussian.step(value)
      if (warming) return { score: 0, reason: 'warming-up' }
      return { score, reason: score >= (o.threshold as number) ? 'gaussian-tail' : 'normal' }
    },
    state: () => gaussian.toJSON(),
  }
}

interface EnsembleState {
  contexts: ContextNoveltyState[]
  change: ChangeSurpriseState
  contextLikelihoods: AnomalyLikelihoodState[]
  changeLikelihood: AnomalyLikelihoodState
  lo: number | null
  hi: number | null
  seen: number
  recent: number[]
}

function ensembleEngine(o: Record<string, number>, state?: EnsembleState): Engine {
  const likelihoodOptions = {
    learningPeriod: o.learningPeriod as number,
    estimationSamples: o.estimationSamples as number,
    historicWindowSize: o.historicWindowSize as number,
    reestimationPeriod: 100,
    averagingWindow: 10,
  }
  // Context models at three resolutions: the coarse one generalises, the finer ones see small shifts.
  const contexts = state
    ? state.contexts.map((c) => ContextNovelty.from(c))
    : [1, 2, 4]
        .map((k) => k * (o.levels as number))
        .map((levels) => new ContextNovelty(1, levels, o.warmup as number))
  const change = state ? ChangeSurprise.from(state.change) : new ChangeSurprise(o.windowSize as number)
  const contextLikelihoods = state
    ? state.contextLikelihoods.map((l) => AnomalyLikelihood.from(likelihoodOptions, l))
    : contexts.map(() => new AnomalyLikelihood(likelihoodOptions))
  const changeLikelihood = state
    ? AnomalyLikelihood.from(likelihoodOptions, state.changeLikelihood)
    : new AnomalyLikelihood(likelihoodOptions)
  let lo = state?.lo ?? Number.POSITIVE_INFINITY
  let hi = state?.hi ?? Number.NEGATIVE_INFINITY
  let seen = state?.seen ?? 0
  // Snapshots from before the option existed continue with the factor they were made with.
  const suppressionFactor = o.suppressionFactor ?? 0.8
  // Scores before suppression, newest last (at most SUPPRESSION_WINDOW).
  const recent: number[] = state ? [...state.recent] : []
  const suppress = (score: number): number => {
    let previousMax = 0
    for (const r of recent) previousMax = Math.max(previousMax, r)
    recent.push(score)
    if (recent.length > SUPPRESSION_WINDOW) recent.shift()
    return score > previousMax ? score : score * suppressionFactor
  }
  const ready = likelihoodOptions.learningPeriod + likelihoodOptions.estimationSamples
  return {
    step(value) {
      let byContext = 0
      for (const [i, context] of contexts.entries()) {
        const likelihood = contextLikelihoods[i] as AnomalyLikelihood
        byContext = Math.max(byContext, logLikelihood(likelihood.step(context.step(value))))
      }
      const byChange = logLikelihood(changeLikelihood.step(change.step(value)))
      const tolerance = (hi - lo) * (o.spatialTolerance as number)
      // The range means something only once the likelihood layers start learning (a day of
      // 5-minute points by default): before that, a new extreme is ordinary.
      const outOfRange =
        seen >= likelihoodOptions.learningPeriod &&
        hi > lo &&
        (value > hi + tolerance || value < lo - tolerance)
      lo = Math.min(lo, value)
      hi = Math.max(hi, value)
      seen++
      if (outOfRange) {
        const score = suppress(1)
        return { score, reason: score >= (o.threshold as number) ? 'out-of-range' : 'normal' }
      }
      if (seen < ready) {
        suppress(0)
        return { score: 0, reason: 'warming-up' }
      }
      const score = suppress(Math.min(1, Math.max(0, byContext, byChange)))
      if (score < (o.threshold as number)) return { score, reason: 'normal' }
      return { score, reason: byContext >= byChange ? 'surprising-sequence' : 'unexpected-change' }
    },
    state: (): EnsembleState => ({
      contexts: contexts.map((c) => c.toJSON()),
      change: change.toJSON(),
      contextLikelihoods: contextLikelihoods.map((l) => l.toJSON()),
      changeLikelihood: changeLikelihood.toJSON(),
      lo: Number.isFinite(lo) ? lo : null,
      hi: Number.isFinite(hi) ? hi : null,
      seen,
      recent: [...recent],
    }),
  }
}

function resolveOptions(options: AnomalyDetectorOptions): {
  kind: Exclude<AnomalyDetectorKind, 'autoencoder'>
  values: Record<string, number>
} {
  const parsed = parseInput(optionsSchema, options, invalid)
  const kind = parsed.kind ?? 'ensemble'
  if (kind === 'zscore') {
    return {
      kind,
      values: {
        windowSize: parsed.windowSize ?? 6400,
        stepSize: parsed.stepSize ?? 100,
        threshold: parsed.threshold ?? 1,
      },
    }
  }
  return {
    kind,
    values: {
      windowSize: parsed.windowSize ?? 500,
      threshold: parsed.threshold ?? ENSEMBLE_DEFAULT_THRESHOLD,
      levels: parsed.levels ?? 20,
      warmup: parsed.warmup ?? 250,
      spatialTolerance: parsed.spatialTolerance ?? 0.03,
      learningPeriod: parsed.learningPeriod ?? 288,
      estimationSamples: parsed.estimationSamples ?? 100,
      historicWindowSize: parsed.historicWindowSize ?? 8640,
      suppressionFactor: parsed.suppressionFactor ?? 0.7,
    },
  }
}

/**
 * Temporal non-maximum suppression (as CAD OSE does): a score that does not exceed every score of
 * the previous SUPPRESSION_WINDOW points is scaled by the `suppressionFactor` option.
 */
const SUPPRESSION_WINDOW = 100

/** Points the z-score detector sees before it scores: a Gaussian of 2 or 3 points flags noise. */
const ZSCORE_WARMUP = 30

/** The ensemble's default threshold: just below the best single threshold on NAB's standard profile (0.5406). */
const ENSEMBLE_DEFAULT_THRESHOLD = 0.54

function toMillis(timestamp: number | Date): number {
  return typeof timestamp === 'number'
    ? timestamp
    : timestamp instanceof Date
      ? timestamp.getTime()
      : Number.NaN
}

function build(
  kind: Exclude<AnomalyDetectorKind, 'autoencoder'>,
  values: Record<string, number>,
  restored?: { state: unknown; lastTimestamp: number | null },
): AnomalyDetector {
  const engine =
    kind === 'zscore'
      ? zscoreEngine(values, (restored?.state as WindowedGaussianState | undefined) ?? undefined)
      : ensembleEngine(values, (restored?.state as EnsembleState | undefined) ?? undefined)
  let lastTimestamp = restored?.lastTimestamp ?? Number.NEGATIVE_INFINITY
  const threshold = values.threshold as number
  const ignored = (reason: AnomalyReason): AnomalyResult => ({
    score: 0,
    isAnomaly: false,
    reason,
    model: kind,
  })

  const detector: AnomalyDetector = {
    kind,
    threshold,
    async fit(history) {
      if (Array.isArray(history)) {
        if (history.length === 0) throw new MlError('ML_EMPTY_HISTORY', 'fit() needs at least one point')
        const bad = history.findIndex((p) => typeof p?.value === 'number' && !Number.isFinite(p.value))
        if (bad >= 0) throw new MlError('ML_NAN_INPUT', `history[${bad}].value is not a finite number`)
      }
      const points = parseInput(historySchema, history, invalid)
      for (const point of points) detector.update(point)
    },
    update(point) {
      const value = point?.value
      if (typeof value !== 'number' || !Number.isFinite(value)) return ignored('invalid-value')
      const at = toMillis(point.timestamp)
      if (!Number.isFinite(at)) return ignored('invalid-timestamp')
      if (at <= lastTimestamp) return ignored('out-of-order')
      lastTimestamp = at
      const { score, reason } = engine.step(value)
      return { score, isAnomaly: score >= threshold, reason, model: kind }
    },
    snapshot() {
      return {
        format: 'opskit-ml-detector',
        version: 1,
        kind,
        options: { ...values },
        state: {
          engine: engine.state(),
          lastTimestamp: Number.isFinite(lastTimestamp) ? lastTimestamp : null,
        },
      }
    },
    async save(io) {
      await toModelStore(io).write(JSON.stringify(detector.snapshot()))
    },
  }
  return detector
}

const snapshotSchema = z.object({
  format: z.literal('opskit-ml-detector'),
  version: z.literal(1),
  kind: z.enum(['zscore', 'ensemble']),
  options: z.record(z.string(), z.number()),
  state: z.object({ engine: z.unknown(), lastTimestamp: z.number().nullable() }),
})

/**
 * Creates an online anomaly detector. `ensemble` (the default) combines an out-of-range check with
 * two "likelihood of errors" layers (HTM's idea) over a sequence-context model and a change model;
 * `zscore` is NAB's windowed Gaussian. Both are pure TypeScript.
 */
export async function createAnomalyDetector(options: AnomalyDetectorOptions = {}): Promise<AnomalyDetector> {
  const { kind, values } = resolveOptions(options)
  return build(kind, values)
}

/** Restores a detector saved with {@link AnomalyDetector.save}; it continues exactly where it stopped. */
createAnomalyDetector.load = async (io: ModelIO): Promise<AnomalyDetector> => {
  const document = await toModelStore(io).read()
  if (document === undefined) throw new MlError('ML_MODEL_IO_FAILED', 'no saved detector found')
  let json: unknown
  try {
    json = JSON.parse(document)
  } catch (cause) {
    throw new MlError('ML_MODEL_IO_FAILED', 'saved detector is not valid JSON', { cause })
  }
  if ((json as { kind?: unknown } | null)?.kind === 'autoencoder') {
    throw new MlError(
      'ML_BACKEND_UNAVAILABLE',
      'an autoencoder detector needs tfjs: load it with createAnomalyDetector.load from @opskit/ml/tfjs',
    )
  }
  const snapshot = parseInput(
    snapshotSchema,
    json,
    (message, cause) => new MlError('ML_MODEL_IO_FAILED', message, { cause }),
  )
  return build(snapshot.kind, snapshot.options, {
    state: snapshot.state.engine,
    lastTimestamp: snapshot.state.lastTimestamp,
  })
}

/** Restores a detector from a {@link DetectorSnapshot} held in memory. */
export function restoreAnomalyDetector(snapshot: DetectorSnapshot): Promise<AnomalyDetector> {
  const document = JSON.stringify(snapshot)
  return createAnomalyDetector.load({
    read: async () => document,
    write: async () => {
      throw new MlError('ML_MODEL_IO_FAILED', 'read-only snapshot store')
    },
  })
}
