/**
 * `@opskit/core/worker`: starting a package's worker thread module and request/reply calls to
 * it. Light to load (node built-ins only), so worker threads start fast.
 */
export { startModuleWorker } from './start-module-worker.js'
export {
  createWorkerClient,
  serveWorkerRequests,
  type WorkerClient,
  type WorkerReply,
  type WorkerRequest,
  WorkerRequestError,
  workerErrorReply,
} from './worker-client.js'
