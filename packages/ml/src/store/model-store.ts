/** Where a model's serialised state is kept: implement this to store models anywhere. */
export interface ModelStore {
  /** Reads the stored document, or `undefined` when nothing was saved yet. */
  read(): Promise<string | undefined>
  /** Replaces the stored document. */
  write(document: string): Promise<void>
  /** Releases what the store opened (idempotent); it never closes a host-owned database. */
  close(): Promise<void>
}

/** A file path (written atomically) or any {@link ModelStore}. */
export type ModelIO = string | ModelStore
