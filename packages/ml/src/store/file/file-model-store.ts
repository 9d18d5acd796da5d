import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { MlError } from '../../errors/ml-error.js'
import type { ModelStore } from '../model-store.js'

/** Options of {@link createFileModelStore}. */
export interface FileModelStoreOptions {
  /** The JSON file holding the model; its folder is created on the first write. */
  readonly path: string
}

/** A {@link ModelStore} in one JSON file; writes go to a temp file that is renamed into place. */
export function createFileModelStore(options: FileModelStoreOptions): ModelStore {
  const path = options?.path
  if (typeof path !== 'string' || path.length === 0) {
    throw new MlError('ML_INVALID_OPTIONS', 'createFileModelStore: path must be a non-empty string')
  }
  return {
    async read() {
      try {
        return await readFile(path, 'utf8')
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw new MlError('ML_MODEL_IO_FAILED', `cannot read model file ${path}`, { cause })
      }
    },
    async write(document) {
      try {
        await mkdir(dirname(path), { recursive: true })
        const temp = `${path}.${process.pid}.tmp`
        await writeFile(temp, document)
        await rename(temp, path)
      } catch (cause) {
        throw new MlError('ML_MODEL_IO_FAILED', `cannot write model file ${path}`, { cause })
      }
    },
    // Nothing stays open between calls.
    async close() {},
  }
}
