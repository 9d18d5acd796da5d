import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { MlError } from '../errors/ml-error.js'
import type { DenseLayer } from './dense-net.js'
import type { AutoencoderTrainOptions, TrainJob, TrainReply, WorkerTasks } from './worker-protocol.js'

declare const __filename: string | undefined

function here(): string {
  // CJS build: __filename; ESM build and sources: import.meta.url.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url)
}

function startWorker(): Worker {
  const file = here()
  const dir = dirname(file)
  if (file.endsWith('.ts')) {
    // Running from sources (the package's own tests): register tsx inside the worker first.
    const url = pathToFileURL(join(dir, 'train-worker.ts')).href
    const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}) })`
    return new Worker(boot, { eval: true })
  }
  const ext = file.endsWith('.cjs') ? 'cjs' : 'js'
  const path = join(dir, `train-worker.${ext}`)
  if (!existsSync(path)) throw new MlError('ML_BACKEND_UNAVAILABLE', `training worker not found at ${path}`)
  return new Worker(path)
}

let worker: Worker | undefined
let nextId = 1
const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>()

function getWorker(): Worker {
  if (worker) return worker
  const created = startWorker()
  created.on('message', (reply: TrainReply) => {
    const job = waiting.get(reply.id)
    if (!job) return
    waiting.delete(reply.id)
    if (waiting.size === 0) created.unref()
    if (reply.ok) job.resolve(reply.result)
    else job.reject(new MlError('ML_BACKEND_UNAVAILABLE', `training failed in the worker: ${reply.error}`))
  })
  const fail = (error: Error) => {
    for (const job of waiting.values())
      job.reject(new MlError('ML_BACKEND_UNAVAILABLE', error.message, { cause: error }))
    waiting.clear()
    worker = undefined
  }
  created.on('error', fail)
  created.on('exit', (code) => {
    if (worker === created) fail(new Error(`training worker exited with code ${code}`))
  })
  created.unref()
  worker = created
  return created
}

/** Runs a training task in the shared training worker thread (created on first use). */
export function runInWorker<K extends keyof WorkerTasks>(
  task: K,
  payload: WorkerTasks[K]['payload'],
): Promise<WorkerTasks[K]['result']> {
  const w = getWorker()
  const id = nextId++
  return new Promise<WorkerTasks[K]['result']>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (result: unknown) => void, reject })
    w.ref()
    w.postMessage({ id, task, payload } satisfies TrainJob<K>)
  })
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
  const current = worker
  worker = undefined
  if (current) await current.terminate()
}
