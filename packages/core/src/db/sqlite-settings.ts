import { CompiledQuery } from 'kysely'
import type { HostDatabase } from './host-database.js'

/** The settings of a SQLite connection that decide how, and to which file, its commits are written. */
export interface SqliteSettings {
  /** `wal`, `delete`, `memory`, … (WAL mode sticks to the file). */
  journalMode: string
  /** Path of the main database file; `undefined` for in-memory and temporary databases. */
  file: string | undefined
  /** `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number
  /** `PRAGMA busy_timeout` in milliseconds. */
  busyTimeoutMs: number
}

const SETTINGS = CompiledQuery.raw(
  "SELECT j.journal_mode AS mode, (SELECT file FROM pragma_database_list WHERE name = 'main') AS file, (SELECT synchronous FROM pragma_synchronous) AS synchronous, (SELECT timeout FROM pragma_busy_timeout) AS timeout FROM pragma_journal_mode AS j",
)

/**
 * Reads the journal mode, main file, `synchronous` level and busy timeout of a SQLite connection
 * (the host's Kysely instance, or one connection of it) in one query.
 */
export async function readSqliteSettings(executor: HostDatabase): Promise<SqliteSettings> {
  const row = (
    await executor.executeQuery<{ mode: unknown; file: unknown; synchronous: unknown; timeout: unknown }>(
      SETTINGS,
    )
  ).rows[0]
  return {
    journalMode: String(row?.mode ?? ''),
    file: typeof row?.file === 'string' && row.file !== '' ? row.file : undefined,
    synchronous: Number(row?.synchronous),
    busyTimeoutMs: Number(row?.timeout),
  }
}
