import { MlError } from '../errors/ml-error.js'
import { createFileModelStore } from './file/file-model-store.js'
import type { ModelIO, ModelStore } from './model-store.js'

/** Turns a {@link ModelIO} into a store: a path becomes a file store. */
export function toModelStore(io: ModelIO): ModelStore {
  return typeof io === 'string' ? createFileModelStore({ path: io }) : io
}

/** A store over one in-memory document that refuses writes (restoring a snapshot). */
export function readOnlyModelStore(document: string, what: string): ModelStore {
  return {
    read: async () => document,
    write: async () => {
      throw new MlError('ML_MODEL_IO_FAILED', `${what} is read-only`)
    },
    close: async () => {},
  }
}
