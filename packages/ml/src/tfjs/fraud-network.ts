import * as tf from '@tensorflow/tfjs'
import { MlError } from '../errors/ml-error.js'
import { buildFraudScorer, type FraudScorer, type FraudScorerOptions } from '../fraud/create-fraud-scorer.js'
import { type FeatureNormaliser, FRAUD_FEATURE_COUNT } from '../fraud/features.js'
import type { FraudModel } from '../fraud/fraud-model.js'
import type { Calibration } from '../fraud/metrics.js'
import type { FraudRuleOptions } from '../fraud/rules.js'
import { toModelStore } from '../model-store/file-model-store.js'
import type { ModelIO } from '../model-store/model-store.js'
import { deserializeModel, type SerializedArtifacts, serializeModel } from './artifacts.js'
import { extractDense, forwardDense } from './dense-net.js'

/** Options of {@link createFraudNetwork}. */
export interface FraudNetworkOptions {
  /** Units of the two hidden layers. @default [16, 8] */
  readonly hidden?: readonly [number, number]
  /** Adam learning rate. @default 0.01 */
  readonly learningRate?: number
  /** @default 64 */
  readonly batchSize?: number
}

function build(options: FraudNetworkOptions, seed: number): tf.LayersModel {
  const [h1, h2] = options.hidden ?? [16, 8]
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: seed + offset })
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [FRAUD_FEATURE_COUNT],
        units: h1,
        activation: 'relu',
        kernelInitializer: init(0),
      }),
      tf.layers.dense({ units: h2, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(2) }),
    ],
  })
  model.compile({ optimizer: tf.train.adam(options.learningRate ?? 0.01), loss: 'binaryCrossentropy' })
  return model
}

function wrap(initial: tf.LayersModel | undefined, options: FraudNetworkOptions): FraudModel {
  let model = initial
  let dense = initial ? extractDense(initial) : undefined
  return {
    featureCount: FRAUD_FEATURE_COUNT,
    async fit(rows, labels, fit) {
      model?.dispose()
      const next = build(options, fit.seed)
      model = next
      const xs = tf.tensor2d(rows as number[][], [rows.length, FRAUD_FEATURE_COUNT])
      const ys = tf.tensor2d(labels as number[], [labels.length, 1])
      try {
        await next.fit(xs, ys, {
          epochs: fit.epochs,
          batchSize: options.batchSize ?? 64,
          classWeight: { 0: fit.classWeight[0], 1: fit.classWeight[1] },
          shuffle: true,
          verbose: 0,
        })
      } finally {
        xs.dispose()
        ys.dispose()
      }
      dense = extractDense(next)
    },
    predict(rows) {
      const layers = dense
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
      if (!model) throw new MlError('ML_NOT_TRAINED', 'the fraud network is not trained')
      return serializeModel(model)
    },
  }
}

/** A small tfjs network (features → 16 → 8 → 1, sigmoid) for {@link createFraudScorer}'s `model`. */
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
  return buildFraudScorer(
    { rules: options.rules ?? saved.rules, model: wrap(network, {}) },
    { normaliser: saved.normaliser, calibration: saved.calibration },
  )
}
