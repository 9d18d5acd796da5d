import { randomBytes, randomUUID } from 'node:crypto'
import type { Dialect } from '@opskit/core/sql'
import type { SubjectKeyWrap } from '../../crypto/key-wrap.js'
import type { SubjectKey } from '../audit-store.js'
import { insertKeysStatement, selectKeysStatement } from './event-statements.js'

/** Runs one SQL statement and resolves to its rows: Kysely on the host thread, better-sqlite3 in the writer. */
export type RunSql = (
  text: string,
  parameters: readonly unknown[],
) => Promise<ReadonlyArray<Record<string, unknown>>>

/** A subject key from its row in the keys table (the key wrapped, or plain base64). */
export function subjectKeyOf(row: Record<string, unknown>, wrap: SubjectKeyWrap): SubjectKey {
  const keyId = String(row.key_id)
  return { subjectId: String(row.subject_id), keyId, key: wrap.unwrap(String(row.key), keyId) }
}

/** Subject keys whose `column` (subject or key id) is one of `values`, keyed by that column. */
export async function readSubjectKeys(
  run: RunSql,
  table: string,
  dialect: Dialect,
  column: 'subject_id' | 'key_id',
  values: readonly string[],
  wrap: SubjectKeyWrap,
  into = new Map<string, SubjectKey>(),
): Promise<Map<string, SubjectKey>> {
  if (values.length === 0) return into
  for (const row of await run(selectKeysStatement(table, dialect, column, values.length), values)) {
    const key = subjectKeyOf(row, wrap)
    into.set(column === 'subject_id' ? key.subjectId : key.keyId, key)
  }
  return into
}

/**
 * The data keys of `subjects`, made for those without one. Most subjects already have a key, so
 * they are read first and key material is made only for the rest; a concurrent writer may create
 * the same subject's key first, so the insert ignores conflicts and the missing keys are read back
 * rather than taken from what was generated.
 */
export async function ensureSubjectKeys(
  run: RunSql,
  table: string,
  dialect: Dialect,
  subjects: readonly string[],
  wrap: SubjectKeyWrap,
): Promise<Map<string, SubjectKey>> {
  const keys = await readSubjectKeys(run, table, dialect, 'subject_id', subjects, wrap)
  const missing = subjects.filter((subjectId) => !keys.has(subjectId))
  if (missing.length === 0) return keys
  const now = Date.now()
  const parameters: unknown[] = []
  for (const subjectId of missing) {
    const keyId = randomUUID()
    parameters.push(subjectId, keyId, wrap.wrap(randomBytes(32), keyId), now)
  }
  await run(insertKeysStatement(table, dialect, missing.length), parameters)
  return readSubjectKeys(run, table, dialect, 'subject_id', missing, wrap, keys)
}
