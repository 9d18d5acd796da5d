import { existsSync } from 'node:fs'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * Starts the worker thread module `name` that sits beside `caller` (the caller's own module, as
 * its `import.meta.url` or a file path):
 * `name` with the caller's own extension (`.js`, `.cjs` or `.mjs`) next to a built file, or
 * `name.ts` next to a source file, in which case tsx is registered inside the worker first (a
 * package's own tests run from sources).
 * Throws when the built worker file is missing.
 *
 * @example
 * ```ts
 * const worker = startModuleWorker(import.meta.url, 'train-worker', { workerData })
 * ```
 */
export function startModuleWorker(
  caller: string | URL,
  name: string,
  options: Omit<WorkerOptions, 'eval'> = {},
): Worker {
  const moduleFile = String(caller).startsWith('file:') ? fileURLToPath(caller) : String(caller)
  const dir = dirname(moduleFile)
  if (moduleFile.endsWith('.ts')) {
    const url = pathToFileURL(join(dir, `${name}.ts`)).href
    const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(url)}) })`
    return new Worker(boot, { ...options, eval: true })
  }
  const path = join(dir, `${name}${extname(moduleFile)}`)
  if (!existsSync(path)) throw new Error(`worker module not found at ${path}`)
  return new Worker(path, options)
}
