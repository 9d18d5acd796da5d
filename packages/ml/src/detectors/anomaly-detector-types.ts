import type { Clock, Logger } from '@opskit/core'
import type { ModelIO } from '../store/model-store.js'

/** One observation of a metric. */
export interface DataPoint {
  /** When it was observed: epoch milliseconds or a `Date`. */
  readonly timestamp: number | Date
  /** The observed value. */
  readonly value: number
}

/**
 * Kinds of detector: `zscore` and `ensemble` are pure TypeScript (root entry); `autoencoder`
 * needs tfjs and is built by `createAnomalyDetector` from `@opskit/ml/tfjs`.
 */
export type AnomalyDetectorKind = NonNullable<AnomalyDetectorOptions['kind']>

/**
 * The default detector: an out-of-range check plus "likelihood of errors" layers over
 * sequence-context and change models (pure TypeScript). Every default is global.
 */
export interface EnsembleDetectorOptions {
  /** `ensemble` is the default when `kind` is left out. */
  readonly kind?: 'ensemble'
  /** Points in the change model's window. @default 500 */
  readonly windowSize?: number
  /** Score at or above which `isAnomaly` is true. @default 0.54 */
  readonly threshold?: number
  /** Quantisation levels over the warm-up range of the coarse context model (the finer ones use 2x and 4x as many). @default 20 */
  readonly levels?: number
  /** Points used to choose the quantisation. @default 250 */
  readonly warmup?: number
  /** Share of the seen range beyond which a value is out of range. @default 0.03 */
  readonly spatialTolerance?: number
  /** Points before the likelihood layer collects raw scores. @default 288 */
  readonly learningPeriod?: number
  /** Raw scores collected before the first likelihood estimate. @default 100 */
  readonly estimationSamples?: number
  /** Raw scores the likelihood layer remembers. @default 8640 */
  readonly historicWindowSize?: number
  /**
   * Factor applied to a score that does not exceed every score of the previous 100 points
   * (temporal non-maximum suppression, so one event alarms once). @default 0.7
   */
  readonly suppressionFactor?: number
  /**
   * Points per window of the shape channel (a multiple of 8, from 16 to 4,096): the window is
   * averaged in 8 blocks and compared with the remembered windows. @default 256
   */
  readonly shapeWindow?: number
  /**
   * Shape-channel score of a window just farther from every remembered window than ever before
   * (it rises to 1 at twice that distance), in (0, 1]. @default 0.5
   */
  readonly shapeFloor?: number
  /**
   * Points over which the slow likelihood layers average the context models' raw surprise (the
   * fast layers average 10), so a moderate surprise that lasts, such as noise growing inside the
   * usual range, is flagged (`sustained-surprise`); 0 turns the slow layers off. @default 50
   */
  readonly sustainedWindow?: number
  /**
   * Turns on the flatline channel: a run of identical values that reaches this many repeats and
   * is longer than every run seen before it alarms once (`flatline`, score 1), for a metric that
   * stopped moving. 64 is the value measured on NAB. Off by default (0): it raised the full NAB
   * corpus but not the cross-validated score of every split. @default 0
   */
  readonly flatlineRun?: number
  /**
   * Turns on the rare-level channel: the level is the median of the last `rareLevelSpan` values,
   * and how seldom the series has been at that level (the share of past levels as far out) goes
   * through a likelihood layer, so a burst or a shift to a level visited before but seldom is
   * flagged (`rare-level`). 12 is the value measured on NAB. Off by default (0): it raised the
   * full NAB corpus but not the cross-validated score of every split. @default 0
   */
  readonly rareLevelSpan?: number
}

/** NAB's Windowed Gaussian (pure TypeScript): the cheap fallback. */
export interface ZScoreDetectorOptions {
  readonly kind: 'zscore'
  /** Points in the Gaussian window. @default 6400 */
  readonly windowSize?: number
  /** Refit the Gaussian every this many points once the window is full. @default 100 */
  readonly stepSize?: number
  /** Score at or above which `isAnomaly` is true. @default 1 */
  readonly threshold?: number
  /**
   * Points learned before the first score (until then: score 0, `warming-up`); capped at
   * `windowSize`. A Gaussian of 2 or 3 points flags noise. @default 30
   */
  readonly warmup?: number
}

/** The autoencoder detector (tfjs): build it with `createAnomalyDetector` from `@opskit/ml/tfjs`. */
export interface AutoencoderDetectorOptions {
  readonly kind: 'autoencoder'
  /** Points per sliding window (the network's input width). @default 16 */
  readonly windowSize?: number
  /** Width of the bottleneck layer. @default 4 */
  readonly bottleneck?: number
  /** Points collected before the first training; until then the z-score fallback scores. @default 400 */
  readonly trainAfter?: number
  /** Retrain on the most recent windows every this many points (drift). @default 2000 */
  readonly retrainEvery?: number
  /** Windows the training uses (the most recent ones). @default 1500 */
  readonly trainWindows?: number
  /** Training epochs. @default 8 */
  readonly epochs?: number
  /** Score at or above which `isAnomaly` is true. @default 0.5 */
  readonly threshold?: number
  /** Seed of the weight initialisation. @default 1 */
  readonly seed?: number
  /** Train in the shared `worker_threads` worker (default) or on the calling thread. */
  readonly trainIn?: 'worker' | 'main'
  /** Delay before retrying a failed training, doubled after each further failure. @default 1000 */
  readonly retryBaseMs?: number
  /** Upper bound of the retry delay. @default 300000 (5 minutes) */
  readonly retryMaxMs?: number
  /** Where training failures and recoveries are logged (a pino logger fits). @default noopLogger */
  readonly logger?: Logger
  /** Source of time for the retry backoff; tests pass a fake clock. @default systemClock */
  readonly clock?: Clock
}

/**
 * Options of `createAnomalyDetector`, keyed on `kind`. Every default is global: nothing is tuned
 * per series and labels are never read.
 */
export type AnomalyDetectorOptions =
  | EnsembleDetectorOptions
  | ZScoreDetectorOptions
  | AutoencoderDetectorOptions

/** The detectors the root entry builds (pure TypeScript). */
export type PureDetectorOptions = EnsembleDetectorOptions | ZScoreDetectorOptions

/** Why a point got its score. */
export type AnomalyReason =
  /** Too little data yet to judge; the score is 0. */
  | 'warming-up'
  /** Scored, below the threshold. */
  | 'normal'
  /** Far outside the range of every value seen so far. */
  | 'out-of-range'
  /** The value broke the sequences learned so far (context model). */
  | 'surprising-sequence'
  /** The step from the previous value was unusually large. */
  | 'unexpected-change'
  /** The shape of the last `shapeWindow` points is farther from every remembered window than ever before (ensemble). */
  | 'unusual-shape'
  /** The sequence has been more surprising than usual for the last `sustainedWindow` points (ensemble). */
  | 'sustained-surprise'
  /** The value has not changed for longer than ever before, and for at least `flatlineRun` points (ensemble). */
  | 'flatline'
  /** The level (median of the last `rareLevelSpan` points) is one the series has seldom been at (ensemble). */
  | 'rare-level'
  /** Far in the tail of the windowed Gaussian (z-score detector). */
  | 'gaussian-tail'
  /** The autoencoder could not reconstruct the latest window (autoencoder detector). */
  | 'reconstruction-error'
  /** The value was NaN or infinite: ignored, state unchanged, score 0. */
  | 'invalid-value'
  /** The timestamp was invalid: ignored, state unchanged, score 0. */
  | 'invalid-timestamp'
  /** The timestamp was not after the last accepted one: ignored, state unchanged, score 0. */
  | 'out-of-order'

/** What {@link AnomalyDetector.update} returns. */
export interface AnomalyResult {
  /** Anomaly score in [0, 1]. */
  readonly score: number
  /** `score >= threshold`. */
  readonly isAnomaly: boolean
  /** Why the point scored as it did. */
  readonly reason: AnomalyReason
  /**
   * Which model produced the score: the detector's own kind, or `zscore` when an autoencoder
   * detector falls back to it (while it warms up, and after a training failed).
   */
  readonly model: AnomalyDetectorKind
}

/** An online, causal anomaly detector: the score of a point depends only on points accepted before and at it. */
export interface AnomalyDetector {
  /** Which detector this is. */
  readonly kind: AnomalyDetectorKind
  /** The score at or above which a point is an anomaly. */
  readonly threshold: number
  /**
   * Warm start on past points, oldest first (same as calling `update` on each). Rejects an empty
   * history (`ML_EMPTY_HISTORY`) and NaN/infinite values (`ML_NAN_INPUT`) before learning anything.
   */
  fit(history: readonly DataPoint[]): Promise<void>
  /**
   * Scores one point, then learns it. Never throws on a bad point: NaN/infinite values, invalid
   * timestamps and points not later than the last accepted one are ignored (score 0, with a reason).
   */
  update(point: DataPoint): AnomalyResult
  /** The detector's whole state as JSON-safe data. */
  snapshot(): DetectorSnapshot
  /** Writes {@link snapshot} to a file path or a {@link ModelStore}. */
  save(io: ModelIO): Promise<void>
}

/** The serialised state of a detector (format version 1). */
export interface DetectorSnapshot {
  readonly format: 'opskit-ml-detector'
  readonly version: 1
  readonly kind: AnomalyDetectorKind
  readonly options: Readonly<Record<string, number>>
  readonly state: unknown
}
