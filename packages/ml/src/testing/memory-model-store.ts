import type { ModelStore } from '../store/model-store.js'

/** A {@link ModelStore} in memory, for tests: one document, gone with the process. */
export function createMemoryModelStore(): ModelStore {
  let document: string | undefined
  return {
    async read() {
      return document
    },
    async write(next) {
      document = next
    },
    async close() {},
  }
}
