import { parseInput } from '@opskit/core'
import { z } from 'zod'
import type {
  AnomalyDetector,
  AnomalyReason,
  AnomalyResult,
  DataPoint,
} from '../detectors/anomaly-detector.js'
import {
  AnomalyLikelihood,
  type AnomalyLikelihoodState,
  logLikelihood,
} from '../detectors/anomaly-likelihood.js'
import { MlError } from '../errors/ml-error.js'
import { toModelStore } from '../model-store/file-model-store.js'
import { trainAutoencoderHere } from './autoencoder-training.js'
import { type DenseActivation, type DenseLayer, forwardDense } from './dense-net.js'
import { trainAutoencoderInWorker } from './worker-pool.js'

/** Options of the autoencoder detector. Every default is global: nothing is tuned per series. */
export interface AutoencoderDetectorOptions {
  /** Points per sliding window (the network's input width). @default 16 */
  readonly windowSize?: number
  /** Width of the bottleneck layer. @default 4 */
  readonly bottleneck?: number
  /** Points collected before the first training; until then every score is 0 (`warming-up`). @default 400 */
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
}

const schema = z.strictObject({
  kind: z.literal('autoencoder').optional(),
  windowSize: z.number().int().min(2).max(256).optional(),
  bottleneck: z.number().int().min(1).max(64).optional(),
  trainAfter: z.number().int().min(8).optional(),
  retrainEvery: z.number().int().min(1).optional(),
  trainWindows: z.number().int().min(8).optional(),
  epochs: z.number().int().min(1).max(500).optional(),
  threshold: z.number().min(0).max(1.1).optional(),
  seed: z.number().int().optional(),
  trainIn: z.enum(['worker', 'main']).optional(),
})

type Resolved = Required<Omit<AutoencoderDetectorOptions, 'trainIn'>>

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
}

/** An autoencoder detector: also exposes when background training is done. */
export interface AutoencoderDetector extends AnomalyDetector {
  /** Resolves when no training is running (the next `update` uses the newest weights). */
  idle(): Promise<void>
  /** How many trainings have completed. */
  readonly trainings: number
}

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
  }
}

function reconstructionError(layers: readonly DenseLayer[], row: readonly number[]): number {
  const out = forwardDense(layers, row)
  let sum = 0
  for (let i = 0; i < row.length; i++) sum += ((row[i] as number) - (out[i] as number)) ** 2
  return sum / row.length
}

/**
 * Creates the autoencoder detector (window → bottleneck → window on tfjs). The reconstruction
 * error of each new window goes through the likelihood layer (an adaptive threshold over the
 * recent error distribution); the network retrains on recent windows every `retrainEvery` points
 * without blocking `update`, which keeps scoring with the previous weights in plain JS.
 */
export function createAutoencoderDetector(
  options: AutoencoderDetectorOptions & { kind?: 'autoencoder' } = {},
): Promise<AutoencoderDetector> {
  return buildAutoencoderDetector(options)
}

/** A saved detector's options and state, as its `save()` wrote them. */
export interface SavedAutoencoder {
  options: unknown
  state: unknown
}

/** Rebuilds a detector from what its `save()` wrote. */
export function restoreAutoencoderDetector(saved: SavedAutoencoder): Promise<AutoencoderDetector> {
  return buildAutoencoderDetector({}, saved as { options: Resolved; state: AutoencoderState })
}

async function buildAutoencoderDetector(
  options: AutoencoderDetectorOptions & { kind?: 'autoencoder' },
  restored?: { options: Resolved; state: AutoencoderState },
): Promise<AutoencoderDetector> {
  const parsed = parseInput(schema, options, (message) => new MlError('ML_INVALID_INPUT', message))
  const { kind: _kind, trainIn: chosen, ...rest } = parsed
  const trainIn = chosen ?? 'worker'
  const o: Resolved = restored?.options ?? { ...defaults(), ...rest }
  const s = restored?.state
  const capacity = o.trainWindows + o.windowSize
  const recent: number[] = s ? [...s.recent] : []
  let seen = s?.seen ?? 0
  let sinceTrain = s?.sinceTrain ?? 0
  let trainings = s?.trainings ?? 0
  let mean = s?.mean ?? 0
  let std = s?.std ?? 1
  let errorScale = s?.errorScale ?? 1
  let layers: DenseLayer[] | null = s?.layers
    ? s.layers.map((l) => ({ ...l, kernel: Float32Array.from(l.kernel), bias: Float32Array.from(l.bias) }))
    : null
  const likelihood = s
    ? AnomalyLikelihood.from(likelihoodOptions, s.likelihood)
    : new AnomalyLikelihood(likelihoodOptions)
  let lastTimestamp = s?.lastTimestamp ?? Number.NEGATIVE_INFINITY
  let pending: Promise<void> | null = null

  const startTraining = () => {
    const values = [...recent]
    const m = values.reduce((a, b) => a + b, 0) / values.length
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length) || 1
    const rows: number[][] = []
    for (let end = o.windowSize; end <= values.length; end++) {
      rows.push(values.slice(end - o.windowSize, end).map((v) => (v - m) / sd))
    }
    const round = trainings
    const job = { windowSize: o.windowSize, bottleneck: o.bottleneck, epochs: o.epochs, seed: o.seed, round }
    const training =
      trainIn === 'worker' ? trainAutoencoderInWorker(rows, job) : trainAutoencoderHere(rows, job)
    pending = training.then(
      (trained) => {
        const errors = rows.map((r) => reconstructionError(trained, r)).sort((a, b) => a - b)
        layers = trained
        mean = m
        std = sd
        errorScale = Math.max(errors[Math.floor(errors.length * 0.9)] ?? 0, 1e-6)
        trainings++
        pending = null
      },
      () => {
        pending = null
      },
    )
  }

  const ignored = (reason: AnomalyReason): AnomalyResult => ({ score: 0, isAnomaly: false, reason })

  const detector: AutoencoderDetector = {
    kind: 'autoencoder',
    threshold: o.threshold,
    get trainings() {
      return trainings
    },
    async idle() {
      while (pending) await pending
    },
    async fit(history: readonly DataPoint[]) {
      if (!Array.isArray(history) || history.length === 0)
        throw new MlError('ML_EMPTY_HISTORY', 'fit() needs at least one point')
      const bad = history.findIndex((p) => !Number.isFinite(p?.value))
      if (bad >= 0) throw new MlError('ML_NAN_INPUT', `history[${bad}].value is not a finite number`)
      for (const point of history) {
        detector.update(point)
        await detector.idle()
      }
    },
    update(point) {
      const value = point?.value
      if (typeof value !== 'number' || !Number.isFinite(value)) return ignored('invalid-value')
      const at =
        typeof point.timestamp === 'number'
          ? point.timestamp
          : point.timestamp instanceof Date
            ? point.timestamp.getTime()
            : Number.NaN
      if (!Number.isFinite(at)) return ignored('invalid-timestamp')
      if (at <= lastTimestamp) return ignored('out-of-order')
      lastTimestamp = at
      recent.push(value)
      if (recent.length > capacity) recent.shift()
      seen++
      sinceTrain++
      if (
        !pending &&
        ((layers === null && seen >= o.trainAfter) || (layers !== null && sinceTrain >= o.retrainEvery))
      ) {
        sinceTrain = 0
        startTraining()
      }
      if (layers === null || recent.length < o.windowSize) return ignored('warming-up')
      const row = recent.slice(-o.windowSize).map((v) => (v - mean) / std)
      const error = reconstructionError(layers, row)
      const raw = 1 - Math.exp(-error / (3 * errorScale))
      const score = Math.min(1, logLikelihood(likelihood.step(raw)))
      const isAnomaly = score >= o.threshold
      return { score, isAnomaly, reason: isAnomaly ? 'reconstruction-error' : 'normal' }
    },
    snapshot() {
      const state: AutoencoderState = {
        recent: [...recent],
        seen,
        sinceTrain,
        trainings,
        mean,
        std,
        errorScale,
        layers: layers
          ? layers.map((l) => ({ ...l, kernel: Array.from(l.kernel), bias: Array.from(l.bias) }))
          : null,
        likelihood: likelihood.toJSON(),
        lastTimestamp: Number.isFinite(lastTimestamp) ? lastTimestamp : null,
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
