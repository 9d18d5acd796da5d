import { Readable } from 'node:stream'
import { ReportsError } from '../errors/reports-error.js'
import type { StorageAdapter, StoredObject } from './storage-adapter.js'

/** A {@link StorageAdapter} that keeps artifacts in memory (tests and small hosts). */
export function createMemoryStorage(): StorageAdapter & { keys(): string[] } {
  const objects = new Map<string, Buffer>()
  return {
    async write(key: string, source: Readable): Promise<StoredObject> {
      const chunks: Buffer[] = []
      for await (const chunk of source) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
      const body = Buffer.concat(chunks)
      objects.set(key, body)
      return { bytes: body.length }
    },
    async read(key: string): Promise<Readable> {
      const body = objects.get(key)
      if (!body) throw new ReportsError('REPORTS_ARTIFACT_NOT_FOUND', `artifact "${key}" is not stored`)
      return Readable.from([body])
    },
    async delete(key: string): Promise<void> {
      objects.delete(key)
    },
    async exists(key: string): Promise<boolean> {
      return objects.has(key)
    },
    async *list(prefix: string): AsyncIterable<string> {
      for (const key of [...objects.keys()]) if (key.startsWith(prefix)) yield key
    },
    keys: () => [...objects.keys()],
  }
}
