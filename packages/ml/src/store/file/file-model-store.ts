import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { MlError } from '../errors/ml-error.js'
import type { ModelIO, ModelStore } from './model-store.js'

/** A {@link ModelStore} in one JSON file; writes go to a temp file that is renamed into place. */
export function createFileModelStore(path: string): ModelStore {
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
  }
}

/** Turns a {@link ModelIO} into a store. */
export function toModelStore(io: ModelIO): ModelStore {
  return typeof io === 'string' ? createFileModelStore(io) : io
}
