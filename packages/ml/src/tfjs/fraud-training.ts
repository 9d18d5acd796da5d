import * as tf from '@tensorflow/tfjs'
import { FRAUD_FEATURE_COUNT } from '../fraud/features.js'
import { type SerializedArtifacts, serializeModel } from './artifacts.js'
import { type DenseLayer, extractDense } from './dense-net.js'

/** Options of a fraud-network training. */
export interface FraudTrainJobOptions {
  hidden: [number, number]
  learningRate: number
  batchSize: number
  epochs: number
  classWeight: { 0: number; 1: number }
  seed: number
}

/** Builds the fraud network (features → h1 → h2 → 1, sigmoid). */
export function buildFraudNetwork(
  o: Pick<FraudTrainJobOptions, 'hidden' | 'learningRate' | 'seed'>,
): tf.LayersModel {
  const [h1, h2] = o.hidden
  const init = (offset: number) => tf.initializers.glorotUniform({ seed: o.seed + offset })
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
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss: 'binaryCrossentropy' })
  return model
}

/** Trains the fraud network in the current thread; returns JS-evaluable layers and tfjs artifacts. */
export async function trainFraudHere(
  rows: number[][],
  labels: number[],
  o: FraudTrainJobOptions,
): Promise<{ layers: DenseLayer[]; artifacts: SerializedArtifacts }> {
  const model = buildFraudNetwork(o)
  const xs = tf.tensor2d(rows, [rows.length, FRAUD_FEATURE_COUNT])
  const ys = tf.tensor2d(labels, [labels.length, 1])
  try {
    await model.fit(xs, ys, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      classWeight: { 0: o.classWeight[0], 1: o.classWeight[1] },
      shuffle: true,
      verbose: 0,
    })
    return { layers: extractDense(model), artifacts: await serializeModel(model) }
  } finally {
    xs.dispose()
    ys.dispose()
    model.dispose()
  }
}
