import { noopLogger, parseInput, systemClock } from '@opskit/core'
import type {
  AnomalyDetector,
  AnomalyReason,
  AnomalyResult,
  AutoencoderDetectorOptions,
  DataPoint,
} from '../detectors/anomaly-detector-types.js'
import {
  AnomalyLikelihood,
  type AnomalyLikelihoodState,
  logLikelihood,
} from '../detectors/anomaly-likelihood.js'
import { toMillis } from '../detectors/time.js'
import { WindowedGaussian, type WindowedGaussianState } from '../detectors/windowed-gaussian.js'
import { MlError } from '../errors/ml-error.js'
import { toModelStore } from '../store/model-io.js'
import { autoencoderOptionsSchema } from '../validation/detector-options.js'
import { invalidOptions } from '../validation/invalid-options.js'
import { trainAutoencoderHere } from './autoencoder-training.js'
import { type DenseActivation, type DenseLayer, forwardDense } from './dense-net.js'
import { type TrainingEvents, TrainingSupervisor } from './training-supervisor.js'
import { trainAutoencoderInWorker } from './worker-pool.js'
import type { AutoencoderTrainOptions } from './worker-protocol.js'

type Resolved = Required<Omit<AutoencoderDetectorOptions, 'kind' | 'trainIn' | 'logger' | 'clock'>>

interface SavedLayer {
  kernel: number[]
  bias: number[]
  inputs: number
  units: number
  activation: DenseActivation
}

interface AutoencoderState {
  recent: number[]
  seen: number
  sinceTrain: number
  trainings: number
  mean: number
  std: number
  errorScale: number
  layers: SavedLayer[] | null
  likelihood: AnomalyLikelihoodState
  lastTimestamp: number | null
  /** The z-score fallback (absent in snapshots from before it existed). */
  fallback?: WindowedGaussianState
  /** Consecutive failed trainings. */
  failures?: number
}

/** An autoencoder detector: also exposes when background training is done. */
export interface AutoencoderDetector extends AnomalyDetector {
  /** Resolves when no training is running (the next `update` uses the newest weights). */
  idle(): Promise<void>
  /** How many trainings have completed. */
  readonly trainings: number
  /**
   * Subscribes to `training-failed` (each failed training, with the error and the backoff before
   * the next attempt) or `trained` (each completed training); returns the unsubscribe function.
   */
  on<K extends keyof TrainingEvents>(event: K, listener: (event: TrainingEvents[K]) => void): () => void
}

/** Trains the network; the detector's seam for the worker, the calling thread, or a test. */
export type AutoencoderTrainer = (rows: number[][], options: AutoencoderTrainOptions) => Promise<DenseLayer[]>

const likelihoodOptions = {
  learningPeriod: 288,
  estimationSamples: 100,
  historicWindowSize: 8640,
  reestimationPeriod: 100,
  averagingWindow: 10,
}

/** Trains an autoencoder on windows (rows of normalised values) and returns its JS-evaluable layers. */
export async function trainAutoencoder(
  windows: readonly (readonly number[])[],
  options: { windowSize: number; bottleneck: number; epochs: number; seed: number; round?: number },
): Promise<DenseLayer[]> {
  return trainAutoencoderHere(windows, options)
}

function defaults(): Resolved {
  return {
    windowSize: 16,
    bottleneck: 4,
    trainAfter: 400,
    retrainEvery: 2000,
    trainWindows: 1500,
    epochs: 8,
    threshold: 0.5,
    seed: 1,
    retryBaseMs: 1000,
    retryMaxMs: 300_000,
  }
}

/** The fallback's window: NAB's Windowed Gaussian, as the `zscore` detector uses it. */
const FALLBACK_WINDOW = 6400
const FALLBACK_STEP = 100

function reconstructionError(layers: readonly DenseLayer[], row: readonly number[]): number {
  const out = forwardDense(layers, row)
  let sum = 0
  for (let i = 0; i < row.length; i++) sum += ((row[i] as number) - (out[i] as number)) ** 2
  return sum / row.length
}

const ignored = (reason: AnomalyReason): AnomalyResult => ({
  score: 0,
  isAnomaly: false,
  reason,
  model: 'autoencoder',
})

/** The z-score fallback's score on the autoencoder's scale: a 1e-5 Gaussian tail scores 0.5. */
function fallbackResult(gaussianScore: number, warming: boolean, threshold: number): AnomalyResult {
  if (warming) return { score: 0, isAnomaly: false, reason: 'warming-up', model: 'zscore' }
  const score = Math.min(1, Math.max(0, logLikelihood(gaussianScore)))
  const isAnomaly = score >= threshold
  return { score, isAnomaly, reason: isAnomaly ? 'gaussian-tail' : 'normal', model: 'zscore' }
}

/**
 * Parses the options a host gave (`undefined` keeps a default) and fills in the defaults; a
 * restored detector keeps the options it was saved with. Training runs in `trainer` when given,
 * else in a worker or on this thread as `trainIn` says.
 */
function resolveOptions(
  options: AutoencoderDetectorOptions,
  restoredOptions: Resolved | undefined,
  trainer: AutoencoderTrainer | undefined,
) {
  const parsed = parseInput(autoencoderOptionsSchema, options, invalidOptions('createAnomalyDetector'))
  const { kind: _kind, trainIn: chosen, logger, clock, ...rest } = parsed
  // Options given as `undefined` keep their default.
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined))
  const resolved: Resolved = { ...defaults(), ...(restoredOptions ?? given) }
  const trainIn = chosen ?? 'worker'
  const train: AutoencoderTrainer =
    trainer ?? (trainIn === 'worker' ? trainAutoencoderInWorker : trainAutoencoderHere)
  return { resolved, train, logger, clock }
}

/**
 * The training set over `values`: every window of `windowSize` consecutive values, normalised by
 * the mean and standard deviation of all of them (1 when they are all equal).
 */
function normalisedWindows(values: readonly number[], windowSize: number) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) || 1
  const rows: number[][] = []
  for (let end = windowSize; end <= values.length; end++) {
    rows.push(values.slice(end - windowSize, end).map((v) => (v - mean) / std))
  }
  return { rows, mean, std }
}

/**
 * The error scale of a freshly trained network: the 90th percentile of its reconstruction error
 * over the windows it was trained on (at least 1e-6).
 */
function reconstructionErrorScale(layers: readonly DenseLayer[], rows: readonly number[][]): number {
  const errors = rows.map((r) => reconstructionError(layers, r)).sort((a, b) => a - b)
  return Math.max(errors[Math.floor(errors.length * 0.9)] ?? 0, 1e-6)
}

/** Refuses a `fit()` history that is empty or has a value that is not a finite number. */
function checkHistory(history: readonly DataPoint[]): void {
  if (!Array.isArray(history) || history.length === 0)
    throw new MlError('ML_EMPTY_HISTORY', 'fit() needs at least one point')
  const bad = history.findIndex((p) => !Number.isFinite(p?.value))
  if (bad >= 0) throw new MlError('ML_NAN_INPUT', `history[${bad}].value is not a finite number`)
}

/** Layers as a snapshot keeps them (plain arrays) back to the network's typed arrays. */
const layersFromSaved = (saved: readonly SavedLayer[]): DenseLayer[] =>
  saved.map((l) => ({ ...l, kernel: Float32Array.from(l.kernel), bias: Float32Array.from(l.bias) }))

/** The network's layers as a snapshot keeps them (plain arrays, for JSON). */
const layersToSaved = (layers: readonly DenseLayer[]): SavedLayer[] =>
  layers.map((l) => ({ ...l, kernel: Array.from(l.kernel), bias: Array.from(l.bias) }))

/** A saved detector's options and state, as its `save()` wrote them. */
export interface SavedAutoencoder {
  options: unknown
  state: unknown
}

/** Rebuilds a detector from what its `save()` wrote. */
export function restoreAutoencoderDetector(
  saved: SavedAutoencoder,
  options: Pick<AutoencoderDetectorOptions, 'logger' | 'clock' | 'trainIn'> = {},
): Promise<AutoencoderDetector> {
  return buildAutoencoderDetector(
    { ...options, kind: 'autoencoder' },
    saved as { options: Resolved; state: AutoencoderState },
  )
}

/**
 * Builds the autoencoder detector (window → bottleneck → window on tfjs). The reconstruction
 * error of each new window goes through the likelihood layer (an adaptive threshold over the
 * recent error distribution); the network retrains on recent windows every `retrainEvery` points
 * without blocking `update`, which keeps scoring with the previous weights in plain JS.
 * `trainer` replaces the worker/main-thread training (tests use it to make training fail). Not
 * part of the public entry: hosts use `createAnomalyDetector({ kind: 'autoencoder' })`.
 */
export async function buildAutoencoderDetector(
  options: AutoencoderDetectorOptions,
  restored?: { options: Resolved; state: AutoencoderState },
  trainer?: AutoencoderTrainer,
): Promise<AutoencoderDetector> {
  const { resolved: o, train, logger, clock } = resolveOptions(options, restored?.options, trainer)
  const s = restored?.state
  const capacity = o.trainWindows + o.windowSize
  const recent: number[] = s ? [...s.recent] : []
  let seen = s?.seen ?? 0
  let sinceTrain = s?.sinceTrain ?? 0
  let mean = s?.mean ?? 0
  let std = s?.std ?? 1
  let errorScale = s?.errorScale ?? 1
  let layers: DenseLayer[] | null = s?.layers ? layersFromSaved(s.layers) : null
  const likelihood = s
    ? AnomalyLikelihood.from(likelihoodOptions, s.likelihood)
    : new AnomalyLikelihood(likelihoodOptions)
  let lastTimestamp = s?.lastTimestamp ?? Number.NEGATIVE_INFINITY
  const fallback = s?.fallback
    ? WindowedGaussian.from(s.fallback)
    : new WindowedGaussian(FALLBACK_WINDOW, FALLBACK_STEP)
  const supervisor = new TrainingSupervisor(
    {
      clock: clock ?? systemClock,
      logger: logger ?? noopLogger,
      retryBaseMs: o.retryBaseMs,
      retryMaxMs: o.retryMaxMs,
    },
    s?.failures ?? 0,
    s?.trainings ?? 0,
  )

  const startTraining = () => {
    const { rows, mean: m, std: sd } = normalisedWindows([...recent], o.windowSize)
    const round = supervisor.trainings
    const job = { windowSize: o.windowSize, bottleneck: o.bottleneck, epochs: o.epochs, seed: o.seed, round }
    supervisor.start(
      () => train(rows, job),
      (trained) => {
        const scale = reconstructionErrorScale(trained, rows)
        layers = trained
        mean = m
        std = sd
        errorScale = scale
      },
    )
  }

  const detector: AutoencoderDetector = {
    kind: 'autoencoder',
    threshold: o.threshold,
    get trainings() {
      return supervisor.trainings
    },
    idle: () => supervisor.idle(),
    on: (event, listener) => supervisor.on(event, listener),
    async fit(history: readonly DataPoint[]) {
      checkHistory(history)
      for (const point of history) {
        detector.update(point)
        await detector.idle()
      }
    },
    update(point) {
      const value = point?.value
      if (typeof value !== 'number' || !Number.isFinite(value)) return ignored('invalid-value')
      const at = toMillis(point.timestamp)
      if (!Number.isFinite(at)) return ignored('invalid-timestamp')
      if (at <= lastTimestamp) return ignored('out-of-order')
      lastTimestamp = at
      recent.push(value)
      if (recent.length > capacity) recent.shift()
      seen++
      sinceTrain++
      const warmingFallback = fallback.size < 2
      const gaussianScore = fallback.step(value)
      const due =
        supervisor.failing ||
        (layers === null && seen >= o.trainAfter) ||
        (layers !== null && sinceTrain >= o.retrainEvery)
      if (due && supervisor.ready) {
        sinceTrain = 0
        startTraining()
      }
      // No network yet, or the last training failed: the z-score detector scores.
      if (layers === null || supervisor.failing || recent.length < o.windowSize)
        return fallbackResult(gaussianScore, warmingFallback, o.threshold)
      const row = recent.slice(-o.windowSize).map((v) => (v - mean) / std)
      const error = reconstructionError(layers, row)
      const raw = 1 - Math.exp(-error / (3 * errorScale))
      const score = Math.min(1, logLikelihood(likelihood.step(raw)))
      const isAnomaly = score >= o.threshold
      return { score, isAnomaly, reason: isAnomaly ? 'reconstruction-error' : 'normal', model: 'autoencoder' }
    },
    snapshot() {
      const state: AutoencoderState = {
        recent: [...recent],
        seen,
        sinceTrain,
        trainings: supervisor.trainings,
        mean,
        std,
        errorScale,
        layers: layers ? layersToSaved(layers) : null,
        likelihood: likelihood.toJSON(),
        lastTimestamp: Number.isFinite(lastTimestamp) ? lastTimestamp : null,
        fallback: fallback.toJSON(),
        failures: supervisor.failures,
      }
      return { format: 'opskit-ml-detector', version: 1, kind: 'autoencoder', options: { ...o }, state }
    },
    async save(io) {
      await detector.idle()
      await toModelStore(io).write(JSON.stringify(detector.snapshot()))
    },
  }
  return detector
}
