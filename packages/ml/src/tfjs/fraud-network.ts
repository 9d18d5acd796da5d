import { MlError } from '../errors/ml-error.js'
import { buildFraudScorer, type FraudScorer, type FraudScorerOptions } from '../fraud/create-fraud-scorer.js'
import { type FeatureNormaliser, FRAUD_FEATURE_COUNT } from '../fraud/features.js'
import type { FraudModel } from '../fraud/fraud-model.js'
import type { Calibration } from '../fraud/metrics.js'
import type { FraudRuleOptions } from '../fraud/rules.js'
import { toModelStore } from '../store/model-io.js'
import type { ModelIO } from '../store/model-store.js'
import { deserializeModel, type SerializedArtifacts } from './artifacts.js'
import { type DenseLayer, extractDense, forwardDense } from './dense-net.js'
import { trainFraudHere } from './fraud-training.js'
import { runInWorker } from './worker-pool.js'

/** Options of {@link createFraudNetwork}. */
export interface FraudNetworkOptions {
  /** Units of the two hidden layers. @default [16, 8] */
  readonly hidden?: readonly [number, number]
  /** Adam learning rate. @default 0.01 */
  readonly learningRate?: number
  /** @default 64 */
  readonly batchSize?: number
  /** Train in the shared `worker_threads` worker (default) or on the calling thread. */
  readonly trainIn?: 'worker' | 'main'
}

function wrap(
  initial: { layers: DenseLayer[]; artifacts: SerializedArtifacts } | undefined,
  options: FraudNetworkOptions,
): FraudModel {
  let trained = initial
  return {
    featureCount: FRAUD_FEATURE_COUNT,
    async fit(rows, labels, fit) {
      const [h1, h2] = options.hidden ?? [16, 8]
      const job = {
        hidden: [h1, h2] as [number, number],
        learningRate: options.learningRate ?? 0.01,
        batchSize: options.batchSize ?? 64,
        epochs: fit.epochs,
        classWeight: { 0: fit.classWeight[0], 1: fit.classWeight[1] },
        seed: fit.seed,
      }
      const x = rows.map((r) => [...r])
      const y = [...labels]
      trained = await ((options.trainIn ?? 'worker') === 'worker'
        ? runInWorker('fraud', { rows: x, labels: y, options: job })
        : trainFraudHere(x, y, job))
    },
    predict(rows) {
      const layers = trained?.layers
      if (!layers) throw new MlError('ML_NOT_TRAINED', 'the fraud network is not trained')
      return rows.map((row) => {
        if (row.length !== FRAUD_FEATURE_COUNT) {
          throw new MlError(
            'ML_FEATURE_LENGTH_MISMATCH',
            `expected ${FRAUD_FEATURE_COUNT} features, got ${row.length}`,
          )
        }
        return forwardDense(layers, row)[0] as number
      })
    },
    async serialize() {
      if (!trained) throw new MlError('ML_NOT_TRAINED', 'the fraud network is not trained')
      return trained.artifacts
    },
  }
}

/**
 * A small tfjs network (features → 16 → 8 → 1, sigmoid) for `createFraudScorer`'s `model`. It
 * trains in the shared worker thread; scoring runs in plain JS from the trained weights.
 */
export async function createFraudNetwork(options: FraudNetworkOptions = {}): Promise<FraudModel> {
  return wrap(undefined, options)
}

interface SavedFraudScorer {
  format: 'opskit-ml-fraud'
  version: 1
  rules: FraudRuleOptions
  normaliser: FeatureNormaliser
  calibration: Calibration
  model: SerializedArtifacts
}

/** Loads a scorer saved with `FraudScorer.save` (rules, normaliser, calibration and network). */
export async function loadFraudScorer(
  io: ModelIO,
  options: Omit<FraudScorerOptions, 'model'> = {},
): Promise<FraudScorer> {
  const document = await toModelStore(io).read()
  if (document === undefined) throw new MlError('ML_MODEL_IO_FAILED', 'no saved fraud scorer found')
  let saved: SavedFraudScorer
  try {
    saved = JSON.parse(document) as SavedFraudScorer
  } catch (cause) {
    throw new MlError('ML_MODEL_IO_FAILED', 'saved fraud scorer is not valid JSON', { cause })
  }
  if (saved.format !== 'opskit-ml-fraud' || saved.version !== 1) {
    throw new MlError('ML_MODEL_IO_FAILED', 'not a saved opskit fraud scorer')
  }
  const network = await deserializeModel(saved.model)
  const layers = extractDense(network)
  network.dispose()
  return buildFraudScorer(
    { rules: options.rules ?? saved.rules, model: wrap({ layers, artifacts: saved.model }, {}) },
    { normaliser: saved.normaliser, calibration: saved.calibration },
  )
}
