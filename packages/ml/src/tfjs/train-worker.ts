import { parentPort } from 'node:worker_threads'
import type { TrainJob, TrainReply } from './worker-protocol.js'

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
      if (job.task === 'autoencoder') {
        const { trainAutoencoderHere } = await import('./autoencoder-training.js')
        const layers = await trainAutoencoderHere(job.rows, job.options)
        port.postMessage({ id: job.id, ok: true, layers } satisfies TrainReply)
      } else {
        port.postMessage({
          id: job.id,
          ok: false,
          error: `unknown task ${String((job as { task: unknown }).task)}`,
        })
      }
    } catch (error) {
      port.postMessage({
        id: job.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  })
}
