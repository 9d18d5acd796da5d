import type { SerializedArtifacts } from './artifacts.js'
import type { DenseLayer } from './dense-net.js'
import type { FraudTrainJobOptions } from './fraud-training.js'
import type { LstmWeights } from './lstm-net.js'
import type { LstmTrainOptions } from './lstm-training.js'

/** Options of an autoencoder training. */
export interface AutoencoderTrainOptions {
  windowSize: number
  bottleneck: number
  epochs: number
  seed: number
  round?: number
}

/** Payload and result of each training task the worker runs. */
export interface WorkerTasks {
  autoencoder: { payload: { rows: number[][]; options: AutoencoderTrainOptions }; result: DenseLayer[] }
  lstm: { payload: { xs: number[][][]; ys: number[]; options: LstmTrainOptions }; result: LstmWeights }
  fraud: {
    payload: { rows: number[][]; labels: number[]; options: FraudTrainJobOptions }
    result: { layers: DenseLayer[]; artifacts: SerializedArtifacts }
  }
}

/** A job posted to the training worker. */
export interface TrainJob<K extends keyof WorkerTasks = keyof WorkerTasks> {
  task: K
  payload: WorkerTasks[K]['payload']
}
