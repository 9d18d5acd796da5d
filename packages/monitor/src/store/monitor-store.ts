/**
 * Kinds of documents the monitor persists; `command` holds incident actions taken on an
 * instance that is not the leader, for the leader to apply.
 */
export type StateKind = 'alert' | 'silence' | 'incident' | 'nflog' | 'command'

/** One stored document. */
export interface StateDocument<T = unknown> {
  id: string
  body: T
}

/**
 * Where the monitor keeps alert instances, silences, incidents and the notification log so
 * they survive a restart. Implementations: `createKyselyMonitorStore` (SQLite and PostgreSQL)
 * and, for tests, `createMemoryMonitorStore` from `@opskit/monitor/testing`; each passes
 * `runMonitorStoreConformance`.
 */
export interface MonitorStore {
  /** Inserts or replaces a document. */
  put(kind: StateKind, id: string, body: unknown): Promise<void>
  /** Deletes a document; unknown ids are ignored. */
  delete(kind: StateKind, id: string): Promise<void>
  /** Every document of a kind, in id order. */
  list<T = unknown>(kind: StateKind): Promise<Array<StateDocument<T>>>
  /** Atomically replaces every document of a kind with `documents`. */
  replaceAll(kind: StateKind, documents: ReadonlyArray<StateDocument>): Promise<void>
  /** Releases the store's resources; idempotent. Never closes a database the host passed in. */
  close(): Promise<void>
}
