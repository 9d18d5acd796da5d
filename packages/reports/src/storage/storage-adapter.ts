import type { Readable } from 'node:stream'

/** What a storage adapter knows about a stored artifact. */
export interface StoredObject {
  /** Size in bytes. */
  bytes: number
}

/**
 * Where finished report files go. `write` consumes a stream and must make the object visible
 * only once complete (a failed write leaves nothing under `key`). Implement it for S3-compatible
 * stores; the filesystem adapter is the default.
 */
export interface StorageAdapter {
  /** Stores the whole of `source` under `key`; rejects (leaving nothing) if `source` fails. */
  write(key: string, source: Readable, meta: { contentType: string }): Promise<StoredObject>
  /** Opens a stored object for reading; rejects with `REPORTS_ARTIFACT_NOT_FOUND` if missing. */
  read(key: string): Promise<Readable>
  /** Removes an object; missing keys are ignored. */
  delete(key: string): Promise<void>
  /** Whether an object exists. */
  exists(key: string): Promise<boolean>
  /**
   * The keys of the complete objects whose key starts with `prefix` (in any order; objects still
   * being written are not listed). Retention's orphan sweep uses it (S3: `ListObjectsV2` with
   * `Prefix`, page by page).
   */
  list(prefix: string): AsyncIterable<string>
  /**
   * Optional: removes leftovers of interrupted writes (a process killed mid-write) for keys
   * starting with `prefix` that nothing has touched since `untouchedSince`; returns how many.
   * The filesystem adapter removes its `.tmp-*` files; S3 would abort stale multipart uploads.
   */
  sweepIncomplete?(prefix: string, untouchedSince: Date): Promise<number>
}
