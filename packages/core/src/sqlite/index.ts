import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { HostDatabase } from '../db/host-database.js'

/** SQLite `synchronous` levels; see https://sqlite.org/pragma.html#pragma_synchronous. */
export type SqliteSynchronous = 'off' | 'normal' | 'full' | 'extra'

/** Options for {@link openSqlite}. */
export interface OpenSqliteOptions {
  /**
   * How hard SQLite syncs to disk on commit. `full` (the default) keeps every committed
   * transaction across power loss; `normal` in WAL mode keeps them across process crashes only.
   * @default 'full'
   */
  synchronous?: SqliteSynchronous
  /** How long a writer waits for another connection's lock before failing. @default 5000 */
  busyTimeoutMs?: number
  /** Open read-only. @default false */
  readonly?: boolean
}

/**
 * Opens (or creates) a SQLite file as a Kysely instance over better-sqlite3, in WAL mode with a
 * busy timeout and foreign keys on: the embedded default database of every opskit package.
 * Close it with `db.destroy()`.
 *
 * @example
 * ```ts
 * import { openSqlite } from '@opskit/core/sqlite'
 * const db = openSqlite('./data/opskit.db')
 * ```
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): HostDatabase {
  const database = new Database(path, { readonly: options.readonly ?? false })
  database.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
  if (!options.readonly) database.pragma('journal_mode = WAL')
  database.pragma(`synchronous = ${(options.synchronous ?? 'full').toUpperCase()}`)
  database.pragma('foreign_keys = ON')
  return new Kysely({ dialect: new SqliteDialect({ database }) })
}
