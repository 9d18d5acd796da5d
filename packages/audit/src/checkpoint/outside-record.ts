import { type Checkpoint, parseCheckpoint } from './checkpoint.js'
import { parseRetentionStatement, RETENTION_HEADER, type RetentionStatement } from './retention-statement.js'

/** What a host keeps outside the database: checkpoints and retention statements. */
export type OutsideRecord = Checkpoint | RetentionStatement

/** Parses either kind of signed record by its text; throws `AUDIT_INVALID_CHECKPOINT` when malformed. */
export function parseOutsideRecord(text: string): OutsideRecord {
  return typeof text === 'string' && text.startsWith(`${RETENTION_HEADER}\n`)
    ? parseRetentionStatement(text)
    : parseCheckpoint(text)
}
