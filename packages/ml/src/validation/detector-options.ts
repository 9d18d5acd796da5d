import { type Clock, type Logger, parseInput } from '@opskit/core'
import { z } from 'zod'
import type { PureDetectorOptions } from '../detectors/anomaly-detector-types.js'
import { SHAPE_FEATURES } from '../detectors/window-novelty.js'
import { invalidOptions } from './invalid-options.js'

const positiveInt = z.number().int().positive()
const threshold = z.number().min(0).max(1.1)

const zscoreSchema = z.strictObject({
  kind: z.literal('zscore'),
  windowSize: positiveInt.optional(),
  stepSize: positiveInt.optional(),
  threshold: threshold.optional(),
  warmup: positiveInt.optional(),
})

const ensembleSchema = z.strictObject({
  kind: z.literal('ensemble'),
  windowSize: positiveInt.optional(),
  threshold: threshold.optional(),
  levels: positiveInt.optional(),
  warmup: positiveInt.optional(),
  spatialTolerance: z.number().min(0).max(10).optional(),
  learningPeriod: z.number().int().min(0).optional(),
  estimationSamples: positiveInt.optional(),
  historicWindowSize: positiveInt.optional(),
  suppressionFactor: z.number().min(0).max(1).optional(),
  shapeWindow: z
    .number()
    .int()
    .min(SHAPE_FEATURES * 2)
    .max(4096)
    .refine((n) => n % SHAPE_FEATURES === 0, `must be a multiple of ${SHAPE_FEATURES}`)
    .optional(),
  shapeFloor: z.number().gt(0).max(1).optional(),
  sustainedWindow: z.number().int().min(0).max(4096).optional(),
  flatlineRun: z.number().int().min(0).optional(),
  rareLevelSpan: z.number().int().min(0).max(4096).optional(),
})

const pureSchema = z.discriminatedUnion('kind', [zscoreSchema, ensembleSchema])

/** Options of the autoencoder detector (`kind: 'autoencoder'`), checked before tfjs is touched. */
export const autoencoderOptionsSchema = z.strictObject({
  kind: z.literal('autoencoder'),
  windowSize: z.number().int().min(2).max(256).optional(),
  bottleneck: z.number().int().min(1).max(64).optional(),
  trainAfter: z.number().int().min(8).optional(),
  retrainEvery: z.number().int().min(1).optional(),
  trainWindows: z.number().int().min(8).optional(),
  epochs: z.number().int().min(1).max(500).optional(),
  threshold: threshold.optional(),
  seed: z.number().int().optional(),
  trainIn: z.enum(['worker', 'main']).optional(),
  retryBaseMs: z.number().int().min(0).optional(),
  retryMaxMs: z.number().int().min(0).optional(),
  logger: z.custom<Logger>((v) => typeof (v as Logger | null)?.warn === 'function').optional(),
  clock: z.custom<Clock>((v) => typeof (v as Clock | null)?.now === 'function').optional(),
})

/** The resolved options of a pure detector: every option with its default, as snapshots keep them. */
export interface ResolvedDetector {
  kind: PureDetectorOptions['kind'] & string
  values: Record<string, number>
}

/** The z-score detector's default warm-up: a Gaussian of 2 or 3 points flags noise. */
export const ZSCORE_DEFAULT_WARMUP = 30

/** The ensemble's default threshold: just below the best single threshold on NAB's standard profile (0.5406). */
export const ENSEMBLE_DEFAULT_THRESHOLD = 0.54

/** Validates the options of a pure detector (`ML_INVALID_OPTIONS`) and fills in the defaults. */
export function resolveDetectorOptions(options: PureDetectorOptions): ResolvedDetector {
  const input =
    options !== null && typeof options === 'object' && options.kind === undefined
      ? { ...options, kind: 'ensemble' }
      : options
  const parsed = parseInput(pureSchema, input, invalidOptions('createAnomalyDetector'))
  if (parsed.kind === 'zscore') {
    return {
      kind: 'zscore',
      values: {
        windowSize: parsed.windowSize ?? 6400,
        stepSize: parsed.stepSize ?? 100,
        threshold: parsed.threshold ?? 1,
        warmup: parsed.warmup ?? ZSCORE_DEFAULT_WARMUP,
      },
    }
  }
  return {
    kind: 'ensemble',
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
      shapeWindow: parsed.shapeWindow ?? 256,
      shapeFloor: parsed.shapeFloor ?? 0.5,
      sustainedWindow: parsed.sustainedWindow ?? 50,
      flatlineRun: parsed.flatlineRun ?? 0,
      rareLevelSpan: parsed.rareLevelSpan ?? 0,
    },
  }
}
