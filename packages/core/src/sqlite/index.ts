import Database from 'better-sqlite3'
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely'
import type { HostDatabase } from '../db/host-database.js'
import { createStatementCache } from './statement-cache.js'

/** SQLite `synchronous` levels; see https://sqlite.org/pragma.html#pragma_synchronous. */
export type SqliteSynchronous = 'off' | 'normal' | 'full' | 'extra'

/** Options for {@link openSqlite}. */
export interface OpenSqliteOptions {
  /**
   * How hard SQLite syncs to disk on commit. `full` (the default) keeps every committed
   * transaction across power loss; `normal` in WAL mode keeps them across process crashes only.
   * @default 'full'
   */
  synchronous?: SqliteSynchronous | undefined
  /** How long a writer waits for another connection's lock before failing. @default 5000 */
  busyTimeoutMs?: number | undefined
  /** Open read-only. @default false */
  readonly?: boolean | undefined
  /**
   * How many prepared statements to keep for reuse (least recently used go first). Kysely
   * prepares every query anew; reusing the statement for the same SQL saves that work on hot
   * paths. 0 turns the cache off. @default 256
   */
  statementCacheSize?: number | undefined
}

/** A better-sqlite3 database whose `prepare(sql)` goes through a {@link createStatementCache}. */
function withStatementCache(database: Database.Database, capacity: number): SqliteDatabase {
  const statements = createStatementCache(database, capacity)
  return { close: () => database.close(), prepare: (sql) => statements.prepare(sql) }
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
  const capacity = Math.max(0, Math.floor(options.statementCacheSize ?? 256))
  return new Kysely({
    dialect: new SqliteDialect({
      database: capacity > 0 ? withStatementCache(database, capacity) : database,
    }),
  })
}
