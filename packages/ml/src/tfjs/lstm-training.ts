import * as tf from '@tensorflow/tfjs'
import { MlError } from '../errors/ml-error.js'
import { FEATURES, type LstmWeights, lstmForward } from './lstm-net.js'

/** Options of an LSTM training. */
export interface LstmTrainOptions {
  length: number
  units: number
  epochs: number
  seed: number
}

/** Trains the sell-out LSTM in the current thread and returns weights for the plain-JS forward pass. */
export async function trainLstmHere(
  xs: number[][][],
  ys: number[],
  o: LstmTrainOptions,
): Promise<LstmWeights> {
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({
        inputShape: [o.length, FEATURES],
        units: o.units,
        kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed }),
        recurrentInitializer: tf.initializers.glorotUniform({ seed: o.seed + 1 }),
      }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 2 }) }),
    ],
  })
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' })
  const x = tf.tensor3d(xs, [xs.length, o.length, FEATURES])
  const y = tf.tensor2d(ys, [ys.length, 1])
  try {
    await model.fit(x, y, { epochs: o.epochs, batchSize: 32, shuffle: true, verbose: 0 })
    const [kernel, recurrent, bias] = model.layers[0]?.getWeights() ?? []
    const [denseKernel, denseBias] = model.layers[1]?.getWeights() ?? []
    if (!kernel || !recurrent || !bias || !denseKernel || !denseBias) {
      throw new MlError('ML_MODEL_IO_FAILED', 'unexpected LSTM layout')
    }
    const weights: LstmWeights = {
      units: o.units,
      kernel: Array.from(kernel.dataSync()),
      recurrent: Array.from(recurrent.dataSync()),
      bias: Array.from(bias.dataSync()),
      denseKernel: Array.from(denseKernel.dataSync()),
      denseBias: denseBias.dataSync()[0] as number,
    }
    // The plain-JS forward pass must match tfjs; check it on a few training sequences.
    const probe = Math.min(8, xs.length)
    const reference = tf.tidy(() =>
      Array.from((model.predict(x.slice([0, 0, 0], [probe, o.length, FEATURES])) as tf.Tensor).dataSync()),
    )
    for (let i = 0; i < probe; i++) {
      if (Math.abs((reference[i] as number) - lstmForward(weights, xs[i] as number[][])) > 1e-3) {
        throw new MlError('ML_MODEL_IO_FAILED', 'the plain-JS LSTM disagrees with tfjs')
      }
    }
    return weights
  } finally {
    x.dispose()
    y.dispose()
    model.dispose()
  }
}
