import { parentPort } from 'node:worker_threads'
import type { TrainJob, TrainReply, WorkerTasks } from './worker-protocol.js'

/**
 * The training worker: loads tfjs in its own thread (best backend), runs training jobs from the
 * parent one at a time, and posts the trained weights back.
 */
const port = parentPort
if (port) {
  let ready: Promise<unknown> | undefined
  port.on('message', async (job: TrainJob) => {
    try {
      const backend = await import('./backend.js')
      ready ??= backend.useBestBackend()
      await ready
      let result: unknown
      if (job.task === 'autoencoder') {
        const { rows, options } = job.payload as WorkerTasks['autoencoder']['payload']
        result = await (await import('./autoencoder-training.js')).trainAutoencoderHere(rows, options)
      } else if (job.task === 'lstm') {
        const { xs, ys, options } = job.payload as WorkerTasks['lstm']['payload']
        result = await (await import('./lstm-training.js')).trainLstmHere(xs, ys, options)
      } else if (job.task === 'fraud') {
        const { rows, labels, options } = job.payload as WorkerTasks['fraud']['payload']
        result = await (await import('./fraud-training.js')).trainFraudHere(rows, labels, options)
      } else throw new Error(`unknown task ${String(job.task)}`)
      port.postMessage({ id: job.id, ok: true, result } satisfies TrainReply)
    } catch (error) {
      port.postMessage({
        id: job.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  })
}
