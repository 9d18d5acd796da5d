import type { ModelIO } from '../model-store/model-store.js'

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
export type AnomalyDetectorKind = 'zscore' | 'ensemble' | 'autoencoder'

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
