import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { AuditError } from '../errors/audit-error.js'
import {
  createSignedRecord,
  type NoteSignature,
  noteSignedBy,
  parseRecordLines,
  type SignedRecordInput,
  splitNote,
} from './signed-note.js'

export { noteKeyHash } from './signed-note.js'

/** A parsed C2SP `tlog-checkpoint`: the log's origin, its size (= last seq) and root (= chain hash). */
export interface Checkpoint {
  /** Always `checkpoint` (a {@link RetentionStatement} says `retention`). */
  kind: 'checkpoint'
  /** Unique identity of the log (one per chain), e.g. `opskit-audit/billing/tenant/acme`. */
  origin: string
  /** Number of events covered: the seq of the last one. */
  size: number
  /** The chain hash at `size`, hex. */
  rootHash: string
  /** The full signed-note text (body, blank line, signature lines). */
  text: string
  /** Signature lines, as `{ keyName, keyHash (hex, 4 bytes), signature (base64) }`. */
  signatures: NoteSignature[]
}

/** A key as node:crypto takes it: a `KeyObject` or PEM text. */
export type KeyInput = KeyObject | string

/** Turns a private key (KeyObject or PEM) into an Ed25519 `KeyObject`, or throws. */
export function toPrivateKey(key: KeyInput): KeyObject {
  const object = typeof key === 'string' ? createPrivateKey(key) : key
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519')
    throw new AuditError('AUDIT_INVALID_OPTIONS', 'signingKey must be an Ed25519 private key')
  return object
}

/** Turns a public or private key (KeyObject or PEM) into an Ed25519 public `KeyObject`, or throws. */
export function toPublicKey(key: KeyInput): KeyObject {
  let object: KeyObject
  if (typeof key === 'string')
    object = key.includes('PRIVATE') ? createPublicKey(createPrivateKey(key)) : createPublicKey(key)
  else object = key.type === 'private' ? createPublicKey(key) : key
  if (object.asymmetricKeyType !== 'ed25519')
    throw new AuditError('AUDIT_INVALID_OPTIONS', 'publicKey must be an Ed25519 key')
  return object
}

/** The checkpoint body: `<origin>\n<size>\n<base64 root>\n`. */
export function checkpointBody(origin: string, size: number, rootHash: string): string {
  return `${origin}\n${size}\n${Buffer.from(rootHash, 'hex').toString('base64')}\n`
}

/**
 * Builds a C2SP checkpoint, signed as a signed note with Ed25519 when a key is given
 * (`— <keyName> <base64(keyHash ‖ signature)>`), unsigned otherwise.
 */
export function createCheckpoint(input: SignedRecordInput): Checkpoint {
  return createSignedRecord('checkpoint', checkpointBody(input.origin, input.size, input.rootHash), input)
}

/**
 * Parses checkpoint text (signed or not); throws `AUDIT_INVALID_CHECKPOINT` when malformed. An
 * origin never holds whitespace, which is what keeps a checkpoint apart from a retention statement.
 */
export function parseCheckpoint(text: string): Checkpoint {
  const bad = (why: string) => new AuditError('AUDIT_INVALID_CHECKPOINT', `invalid checkpoint: ${why}`)
  const { lines, signatures } = splitNote(text, bad)
  if (lines.length < 3) throw bad('the body must be origin, size and root lines')
  const parsed = parseRecordLines(lines as [string, string, string], { size: 'size', root: 'root' }, bad)
  return { kind: 'checkpoint', ...parsed, text, signatures }
}

/** Whether some signature line of `checkpoint` is a valid Ed25519 signature by `publicKey`. */
export function checkpointSignedBy(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  const body = checkpointBody(checkpoint.origin, checkpoint.size, checkpoint.rootHash)
  return noteSignedBy(body, checkpoint.signatures, publicKey)
}
