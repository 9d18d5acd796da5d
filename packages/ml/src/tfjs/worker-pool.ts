import { createWorkerClient, startModuleWorker, type WorkerClient } from '@opskit/core/worker'
import { MlError } from '../errors/ml-error.js'
import type { DenseLayer } from './dense-net.js'
import type { AutoencoderTrainOptions, TrainJob, WorkerTasks } from './worker-protocol.js'

let client: WorkerClient<TrainJob, unknown> | undefined

function getClient(): WorkerClient<TrainJob, unknown> {
  if (client?.alive) return client
  let worker: ReturnType<typeof startModuleWorker>
  try {
    worker = startModuleWorker(import.meta.url, 'train-worker')
  } catch (error) {
    throw new MlError('ML_BACKEND_UNAVAILABLE', (error as Error).message, { cause: error })
  }
  client = createWorkerClient<TrainJob, unknown>(worker)
  return client
}

/** Runs a training task in the shared training worker thread (created on first use). */
export async function runInWorker<K extends keyof WorkerTasks>(
  task: K,
  payload: WorkerTasks[K]['payload'],
): Promise<WorkerTasks[K]['result']> {
  try {
    return (await getClient().request({ task, payload })) as WorkerTasks[K]['result']
  } catch (error) {
    if (error instanceof MlError) throw error
    throw new MlError(
      'ML_BACKEND_UNAVAILABLE',
      `training failed in the worker: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
}

/** Trains the autoencoder in the shared training worker thread. */
export async function trainAutoencoderInWorker(
  rows: number[][],
  options: AutoencoderTrainOptions,
): Promise<DenseLayer[]> {
  return runInWorker('autoencoder', { rows, options })
}

/** Stops the training worker (it also stops by itself from keeping the process alive when idle). */
export async function stopTrainingWorker(): Promise<void> {
  const current = client
  client = undefined
  await current?.close()
}
