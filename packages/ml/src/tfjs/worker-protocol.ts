import type { DenseLayer } from './dense-net.js'

/** Options of an autoencoder training. */
export interface AutoencoderTrainOptions {
  windowSize: number
  bottleneck: number
  epochs: number
  seed: number
  round?: number
}

/** A job posted to the training worker. */
export interface TrainJob {
  id: number
  task: 'autoencoder'
  rows: number[][]
  options: AutoencoderTrainOptions
}

/** The worker's answer. */
export type TrainReply =
  | { id: number; ok: true; layers: DenseLayer[] }
  | { id: number; ok: false; error: string }
