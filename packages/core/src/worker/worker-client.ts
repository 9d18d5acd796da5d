import { parentPort, type Worker } from 'node:worker_threads'

/** A request as posted to a worker that {@link serveWorkerRequests} serves. */
export interface WorkerRequest<TRequest> {
  id: number
  request: TRequest
}

/** The worker's answer to one {@link WorkerRequest}. */
export type WorkerReply<TReply> =
  | { id: number; ok: true; reply: TReply }
  | { id: number; ok: false; message: string; code?: string }

/** Request/reply calls to one worker thread. */
export interface WorkerClient<TRequest, TReply> {
  /**
   * Posts `request` and resolves with the worker's reply; rejects with the worker's error (its
   * message and `code`), or when the worker dies before answering.
   */
  request(request: TRequest): Promise<TReply>
  /** Whether the worker is still running (false after it died or was closed). */
  readonly alive: boolean
  /** Terminates the worker; requests still waiting reject. */
  close(): Promise<void>
}

/** An error the worker reported, or its death; `code` is the worker-side error's code, if any. */
export class WorkerRequestError extends Error {
  readonly code: string | undefined
  constructor(message: string, code?: string) {
    super(message)
    this.name = 'WorkerRequestError'
    this.code = code
  }
}

/**
 * Wraps a started worker for request/reply calls. The worker answers each request with a
 * {@link WorkerReply}, or several at once with an array of them. The worker keeps the process
 * alive only while requests are waiting. When it dies (an uncaught error, or `process.exit` in it), every waiting
 * request rejects, `alive` turns false, and `onExit` is told once.
 */
export function createWorkerClient<TRequest, TReply>(
  worker: Worker,
  options: { onExit?: ((error: Error) => void) | undefined } = {},
): WorkerClient<TRequest, TReply> {
  const waiting = new Map<number, { resolve: (reply: TReply) => void; reject: (error: Error) => void }>()
  let nextId = 1
  let alive = true
  let closing = false
  const fail = (error: Error) => {
    if (!alive) return
    alive = false
    for (const call of waiting.values()) call.reject(error)
    waiting.clear()
    if (!closing) options.onExit?.(error)
  }
  const settle = (message: WorkerReply<TReply>) => {
    const call = waiting.get(message.id)
    if (!call) return
    waiting.delete(message.id)
    if (waiting.size === 0) worker.unref()
    if (message.ok) call.resolve(message.reply)
    else call.reject(new WorkerRequestError(message.message, message.code))
  }
  // A worker may answer several requests in one message, so that they settle in one turn.
  worker.on('message', (message: WorkerReply<TReply> | Array<WorkerReply<TReply>>) => {
    if (Array.isArray(message)) for (const reply of message) settle(reply)
    else settle(message)
  })
  worker.on('error', (error) => fail(error))
  worker.on('exit', (code) =>
    fail(
      new WorkerRequestError(closing ? 'worker thread was closed' : `worker thread exited with code ${code}`),
    ),
  )
  worker.unref()
  return {
    request(request) {
      if (!alive) return Promise.reject(new WorkerRequestError('worker thread is not running'))
      const id = nextId++
      return new Promise<TReply>((resolve, reject) => {
        waiting.set(id, { resolve, reject })
        worker.ref()
        worker.postMessage({ id, request } satisfies WorkerRequest<TRequest>)
      })
    },
    get alive() {
      return alive
    },
    async close() {
      closing = true
      // Resolves once 'exit' was emitted, whose handler rejects what is still waiting.
      await worker.terminate()
    },
  }
}

/**
 * The worker side of {@link createWorkerClient}: answers each request with `handle`'s result, or
 * with its error's message and `code`. Requests are handled one at a time, in order.
 */
export function serveWorkerRequests<TRequest, TReply>(
  handle: (request: TRequest) => TReply | Promise<TReply>,
): void {
  const port = parentPort
  if (!port) throw new Error('serveWorkerRequests must run in a worker thread')
  let last: Promise<void> = Promise.resolve()
  port.on('message', (message: WorkerRequest<TRequest>) => {
    last = last.then(async () => {
      let reply: WorkerReply<TReply>
      try {
        reply = { id: message.id, ok: true, reply: await handle(message.request) }
      } catch (error) {
        reply = workerErrorReply(message.id, error)
      }
      port.postMessage(reply)
    })
  })
}

/**
 * The failed {@link WorkerReply} to request `id`: the error's message and, when it has a string
 * `code` (SQLite's `SQLITE_BUSY`, an `OpskitError`'s code), that code, which the client's
 * {@link WorkerRequestError} carries. For workers that answer requests themselves.
 */
export function workerErrorReply(id: number, error: unknown): WorkerReply<never> {
  const code = (error as { code?: unknown } | null)?.code
  return {
    id,
    ok: false,
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  }
}
