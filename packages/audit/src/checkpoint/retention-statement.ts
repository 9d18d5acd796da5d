import type { KeyObject } from 'node:crypto'
import { AuditError } from '../errors/audit-error.js'
import {
  createSignedRecord,
  type NoteSignature,
  noteSignedBy,
  parseRecordLines,
  type SignedRecordInput,
  splitNote,
} from './signed-note.js'

/**
 * First line of every retention statement. It holds spaces, which no checkpoint origin may, so no
 * checkpoint body is ever a retention body and a checkpoint's signature never verifies as one.
 */
export const RETENTION_HEADER = 'opskit-audit retention statement v1'

/**
 * A signed retention statement: "the events of the log `origin` up to seq `size`, whose chain hash
 * there is `rootHash`, may be deleted". It is what a retention anchor stores, and it reaches the
 * host through `onCheckpoint` like a checkpoint, so that `verify` against outside records can tell
 * a sanctioned retention from a forged anchor.
 */
export interface RetentionStatement {
  kind: 'retention'
  /** The log (chain) it belongs to: the same origin as that chain's checkpoints. */
  origin: string
  /** The anchor's seq: the last event that may be deleted. */
  size: number
  /** The chain hash at `size`, hex: where verification resumes. */
  rootHash: string
  /** The signed-note text. */
  text: string
  signatures: NoteSignature[]
}

/** The statement body: the header, origin, seq and base64 hash, one per line. */
export function retentionBody(origin: string, size: number, rootHash: string): string {
  return `${RETENTION_HEADER}\n${origin}\n${size}\n${Buffer.from(rootHash, 'hex').toString('base64')}\n`
}

/** Builds a retention statement, signed with Ed25519 when a key is given. */
export function createRetentionStatement(input: SignedRecordInput): RetentionStatement {
  return createSignedRecord('retention', retentionBody(input.origin, input.size, input.rootHash), input)
}

/** Parses a retention statement; throws `AUDIT_INVALID_CHECKPOINT` when it is not one. */
export function parseRetentionStatement(text: string): RetentionStatement {
  const bad = (why: string) =>
    new AuditError('AUDIT_INVALID_CHECKPOINT', `invalid retention statement: ${why}`)
  const { lines, signatures } = splitNote(text, bad)
  if (lines.length !== 4 || lines[0] !== RETENTION_HEADER)
    throw bad(`the body must be "${RETENTION_HEADER}", origin, seq and hash lines`)
  const [, ...recordLines] = lines as [string, string, string, string]
  const parsed = parseRecordLines(recordLines as [string, string, string], { size: 'seq', root: 'hash' }, bad)
  return { kind: 'retention', ...parsed, text, signatures }
}

/** Whether some signature line of `statement` is a valid Ed25519 signature by `publicKey`. */
export function retentionSignedBy(statement: RetentionStatement, publicKey: KeyObject): boolean {
  return noteSignedBy(
    retentionBody(statement.origin, statement.size, statement.rootHash),
    statement.signatures,
    publicKey,
  )
}
