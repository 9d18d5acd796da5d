/**
 * Error codes after which the same transaction may simply run again: nothing was committed.
 * SQLite: the database or a table was locked by another connection (`SQLITE_BUSY` and its
 * extended codes, among them `SQLITE_BUSY_SNAPSHOT`, which a WAL read transaction gets when it
 * tries to write after another connection committed), or by this one (`SQLITE_LOCKED`).
 * PostgreSQL: `40001` serialization_failure and `40P01` deadlock_detected.
 */
const TRANSIENT_DATABASE_CODES: ReadonlySet<string> = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
  'SQLITE_LOCKED_SHAREDCACHE',
  'SQLITE_LOCKED_VTAB',
  '40001',
  '40P01',
])

/**
 * Whether `err` is a database error after which running the whole transaction again may
 * succeed: SQLite busy or locked (`SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`, `SQLITE_LOCKED`, …) or a
 * PostgreSQL serialization failure (`40001`) or deadlock (`40P01`). Reads the error's string
 * `code`, as better-sqlite3, node-postgres and opskit's worker client set it.
 *
 * @example
 * ```ts
 * await retry(() => db.transaction().execute(work), { isRetryable: isTransientDatabaseError })
 * ```
 */
export function isTransientDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' && TRANSIENT_DATABASE_CODES.has(code)
}
