import * as tf from '@tensorflow/tfjs'
import { type DenseLayer, extractDense } from './dense-net.js'
import type { AutoencoderTrainOptions } from './worker-protocol.js'

/** Trains the dense autoencoder in the current thread and returns its JS-evaluable layers. */
export async function trainAutoencoderHere(
  windows: readonly (readonly number[])[],
  o: AutoencoderTrainOptions,
): Promise<DenseLayer[]> {
  const hidden = Math.max(o.bottleneck * 2, Math.ceil(o.windowSize / 2))
  const round = o.round ?? 0
  const init = (k: number) => tf.initializers.glorotUniform({ seed: o.seed * 1000 + round * 10 + k })
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [o.windowSize],
        units: hidden,
        activation: 'relu',
        kernelInitializer: init(0),
      }),
      tf.layers.dense({ units: o.bottleneck, activation: 'linear', kernelInitializer: init(1) }),
      tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ units: o.windowSize, activation: 'linear', kernelInitializer: init(3) }),
    ],
  })
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' })
  const xs = tf.tensor2d(windows as number[][], [windows.length, o.windowSize])
  try {
    await model.fit(xs, xs, { epochs: o.epochs, batchSize: 64, shuffle: false, verbose: 0 })
    return extractDense(model)
  } finally {
    xs.dispose()
    model.dispose()
  }
}
