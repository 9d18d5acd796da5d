import type Database from 'better-sqlite3'
import { setBounded } from '../collections/bounded-map.js'

/** Prepared better-sqlite3 statements kept by SQL text for reuse. */
export interface StatementCache {
  /**
   * The cached statement for `sql`, or a newly prepared one. A cached statement that is busy (an
   * open iterator of a streamed query) is not handed out twice: a fresh one is prepared instead.
   */
  prepare(sql: string): Database.Statement
}

/**
 * Keeps up to `capacity` prepared statements of `database`, least recently used dropped first.
 * better-sqlite3 prepares anew on every `prepare` call; reusing the statement for the same SQL
 * saves that work on hot paths. SQLite re-prepares cached statements itself after a schema
 * change.
 *
 * @example
 * ```ts
 * const statements = createStatementCache(database, 256)
 * statements.prepare('SELECT * FROM t WHERE id = ?').get(id)
 * ```
 */
export function createStatementCache(
  database: Pick<Database.Database, 'prepare'>,
  capacity: number,
): StatementCache {
  const cache = new Map<string, Database.Statement>()
  return {
    prepare(sql) {
      const cached = cache.get(sql)
      if (cached && !cached.busy) {
        cache.delete(sql)
        cache.set(sql, cached)
        return cached
      }
      const statement = database.prepare(sql)
      if (!cached) setBounded(cache, sql, statement, capacity)
      return statement
    },
  }
}
