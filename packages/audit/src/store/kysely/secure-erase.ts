import { type Kysely, sql } from 'kysely'

// biome-ignore lint/suspicious/noExplicitAny: the store addresses its own prefixed tables only
type Db = Kysely<any>

/**
 * Deletes a subject's key row on SQLite so that the key bytes do not linger in the file: the
 * DELETE runs with `PRAGMA secure_delete = ON` (SQLite overwrites the deleted content with zeros;
 * the connection's previous setting is restored afterwards), then `PRAGMA wal_checkpoint(TRUNCATE)`
 * copies the zeroed page into the database file and empties the WAL, which still held page images
 * with the key. The checkpoint is best effort: a reader in another process can keep it from
 * completing, and then the old frames stay until the WAL is next reset. Resolves to whether a key
 * existed.
 */
export async function destroySqliteKey(db: Db, table: string, subjectId: string): Promise<boolean> {
  const current = await sql.raw<Record<string, unknown>>('PRAGMA secure_delete').execute(db)
  const previous = Number(Object.values(current.rows[0] ?? {})[0] ?? 0)
  await sql.raw('PRAGMA secure_delete = ON').execute(db)
  let deleted: boolean
  try {
    const result = await db.deleteFrom(table).where('subject_id', '=', subjectId).executeTakeFirst()
    deleted = Number(result.numDeletedRows) > 0
  } finally {
    await sql
      .raw(`PRAGMA secure_delete = ${previous === 1 ? 'ON' : previous === 2 ? 'FAST' : 'OFF'}`)
      .execute(db)
  }
  if (deleted) await sql.raw('PRAGMA wal_checkpoint(TRUNCATE)').execute(db)
  return deleted
}
