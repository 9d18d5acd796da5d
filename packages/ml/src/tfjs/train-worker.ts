import { serveWorkerRequests } from '@opskit/core/worker'
import type { TrainJob, WorkerTasks } from './worker-protocol.js'

/**
 * The training worker: loads tfjs in its own thread (best backend), runs training jobs from the
 * parent one at a time, and posts the trained weights back.
 */
let ready: Promise<unknown> | undefined
serveWorkerRequests<TrainJob, unknown>(async (job) => {
  const backend = await import('./backend.js')
  ready ??= backend.useBestBackend()
  await ready
  if (job.task === 'autoencoder') {
    const { rows, options } = job.payload as WorkerTasks['autoencoder']['payload']
    return (await import('./autoencoder-training.js')).trainAutoencoderHere(rows, options)
  }
  if (job.task === 'lstm') {
    const { xs, ys, options } = job.payload as WorkerTasks['lstm']['payload']
    return (await import('./lstm-training.js')).trainLstmHere(xs, ys, options)
  }
  if (job.task === 'fraud') {
    const { rows, labels, options } = job.payload as WorkerTasks['fraud']['payload']
    return (await import('./fraud-training.js')).trainFraudHere(rows, labels, options)
  }
  throw new Error(`unknown task ${String(job.task)}`)
})
