import type { HostDatabase } from '@opskit/core'
import { type Dialect, readSqliteSettings } from '@opskit/core/internal'
import { CompiledQuery } from 'kysely'

const BEGIN = CompiledQuery.raw('BEGIN')
const COMMIT = CompiledQuery.raw('COMMIT')
const ROLLBACK = CompiledQuery.raw('ROLLBACK')
const NORMAL = CompiledQuery.raw('PRAGMA main.synchronous = NORMAL')
const restoreLevel = (level: number) => CompiledQuery.raw(`PRAGMA main.synchronous = ${level}`)

/**
 * Runs one retention batch in a transaction of its own. PostgreSQL: a plain transaction. SQLite in
 * WAL mode with `synchronous` FULL or EXTRA: the batch commits with `synchronous=NORMAL`, set on
 * the held connection only around that transaction and set back right after (as the sends' group
 * commit does), so its commit does not fsync the WAL on the event loop while sends wait; the next
 * durable commit's fsync covers its frames. A purge acknowledges nothing a caller relies on: a
 * power loss may only bring back the last deleted rows, which the next run deletes again.
 */
export async function retentionTransaction<T>(
  db: HostDatabase,
  dialect: Dialect,
  work: (executor: HostDatabase) => Promise<T>,
): Promise<T> {
  if (dialect !== 'sqlite') return db.transaction().execute(work)
  return db.connection().execute(async (connection) => {
    const settings = await readSqliteSettings(connection)
    const level =
      settings.journalMode === 'wal' && settings.synchronous >= 2 ? settings.synchronous : undefined
    if (level !== undefined) await connection.executeQuery(NORMAL)
    try {
      await connection.executeQuery(BEGIN)
      try {
        const result = await work(connection)
        await connection.executeQuery(COMMIT)
        return result
      } catch (error) {
        await connection.executeQuery(ROLLBACK).catch(() => {})
        throw error
      }
    } finally {
      if (level !== undefined) await connection.executeQuery(restoreLevel(level))
    }
  })
}
