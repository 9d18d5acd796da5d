import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open, opendir, rename, rm, stat } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ReportsError } from '../errors/reports-error.js'
import type { StorageAdapter, StoredObject } from './storage-adapter.js'

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/
/** A write in progress (or interrupted): `.tmp-<16 hex>-<key>`. */
const TEMP = /^\.tmp-[0-9a-f]{16}-(.+)$/

/** Options of {@link createFilesystemStorage}. */
export interface FilesystemStorageOptions {
  /** Directory that holds the artifacts (created when missing). */
  directory: string
}

/**
 * Stores artifacts as files in one directory: each write goes to a temporary file that is
 * fsynced and renamed into place only when complete, so a failed report leaves no file.
 */
export function createFilesystemStorage(options: FilesystemStorageOptions): StorageAdapter {
  const directory = resolve(options.directory)
  const ready = mkdir(directory, { recursive: true })
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new ReportsError('REPORTS_ARTIFACT_NOT_FOUND', `invalid storage key "${key}"`)
    const path = join(directory, key)
    if (!path.startsWith(directory + sep)) throw new ReportsError('REPORTS_ARTIFACT_NOT_FOUND', 'invalid key')
    return path
  }
  return {
    async write(key: string, source: Readable): Promise<StoredObject> {
      await ready
      const target = pathOf(key)
      const temp = join(directory, `.tmp-${randomBytes(8).toString('hex')}-${key}`)
      try {
        await pipeline(source, createWriteStream(temp, { highWaterMark: 256 * 1024 }))
        const handle = await open(temp, 'r')
        try {
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temp, target)
      } catch (error) {
        await rm(temp, { force: true })
        throw error
      }
      return { bytes: (await stat(target)).size }
    },
    async read(key: string): Promise<Readable> {
      const path = pathOf(key)
      try {
        await stat(path)
      } catch (error) {
        throw new ReportsError('REPORTS_ARTIFACT_NOT_FOUND', `artifact "${key}" is not stored`, {
          cause: error,
        })
      }
      return createReadStream(path)
    },
    async delete(key: string): Promise<void> {
      await rm(pathOf(key), { force: true })
    },
    async *list(prefix: string): AsyncIterable<string> {
      await ready
      // Temporary files (`.tmp-*`) never match KEY, so writes in progress are not listed.
      for await (const entry of await opendir(directory))
        if (entry.isFile() && entry.name.startsWith(prefix) && KEY.test(entry.name)) yield entry.name
    },
    async sweepIncomplete(prefix: string, untouchedSince: Date): Promise<number> {
      await ready
      let removed = 0
      for await (const entry of await opendir(directory)) {
        const key = entry.name.match(TEMP)?.[1]
        if (!entry.isFile() || key === undefined || !key.startsWith(prefix)) continue
        const path = join(directory, entry.name)
        const modified = await stat(path).then(
          (s) => s.mtimeMs,
          () => Number.POSITIVE_INFINITY,
        )
        if (modified >= untouchedSince.getTime()) continue
        await rm(path, { force: true })
        removed++
      }
      return removed
    },
    async exists(key: string): Promise<boolean> {
      try {
        await stat(pathOf(key))
        return true
      } catch {
        return false
      }
    },
  }
}
