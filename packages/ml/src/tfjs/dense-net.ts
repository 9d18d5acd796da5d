import type * as tf from '@tensorflow/tfjs'
import { MlError } from '../errors/ml-error.js'

/** Activation of a dense layer evaluated in plain JS. */
export type DenseActivation = 'relu' | 'sigmoid' | 'linear' | 'tanh'

/** One dense layer's weights, copied out of tfjs. */
export interface DenseLayer {
  readonly kernel: Float32Array
  readonly bias: Float32Array
  readonly inputs: number
  readonly units: number
  readonly activation: DenseActivation
}

/** Copies a sequential dense model's weights so single rows run in plain JS (microseconds, no tensors). */
export function extractDense(model: tf.LayersModel): DenseLayer[] {
  return model.layers.map((layer) => {
    const [kernel, bias] = layer.getWeights()
    if (!kernel || !bias) throw new MlError('ML_MODEL_IO_FAILED', 'unexpected network layout')
    const [inputs, units] = kernel.shape as [number, number]
    const config = layer.getConfig() as { activation?: string }
    const activation = (config.activation ?? 'linear') as DenseActivation
    return {
      kernel: kernel.dataSync() as Float32Array,
      bias: bias.dataSync() as Float32Array,
      inputs,
      units,
      activation,
    }
  })
}

const activate = (a: DenseActivation, z: number) =>
  a === 'relu' ? Math.max(0, z) : a === 'sigmoid' ? 1 / (1 + Math.exp(-z)) : a === 'tanh' ? Math.tanh(z) : z

/** Runs the layers on one row. */
export function forwardDense(layers: readonly DenseLayer[], row: ArrayLike<number>): Float64Array {
  let activations: ArrayLike<number> = row
  let out = new Float64Array(0)
  for (const layer of layers) {
    out = new Float64Array(layer.units)
    for (let u = 0; u < layer.units; u++) {
      let z = layer.bias[u] as number
      for (let i = 0; i < layer.inputs; i++)
        z += (activations[i] as number) * (layer.kernel[i * layer.units + u] as number)
      out[u] = activate(layer.activation, z)
    }
    activations = out
  }
  return out
}
