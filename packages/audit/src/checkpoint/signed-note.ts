import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'

/** One signature line of a signed note: `— <keyName> <base64(keyHash ‖ signature)>`. */
export interface NoteSignature {
  keyName: string
  /** The 4-byte key hash, hex. */
  keyHash: string
  /** The Ed25519 signature, base64. */
  signature: string
}

function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' })
  return der.subarray(der.length - 32)
}

/** The signed-note key hash of an Ed25519 key: `SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4]`. */
export function noteKeyHash(keyName: string, publicKey: KeyObject): Buffer {
  return createHash('sha256')
    .update(`${keyName}\n`)
    .update(Buffer.from([0x01]))
    .update(rawPublicKey(publicKey))
    .digest()
    .subarray(0, 4)
}

/** Signs `body` (which ends with a newline) as a signed note; returns the note text and its signature. */
export function signNote(
  body: string,
  signingKey: KeyObject,
  keyName: string,
): { text: string; signature: NoteSignature } {
  const keyHash = noteKeyHash(keyName, createPublicKey(signingKey))
  const signature = sign(null, Buffer.from(body, 'utf8'), signingKey)
  const blob = Buffer.concat([keyHash, signature]).toString('base64')
  return {
    text: `${body}\n\u2014 ${keyName} ${blob}\n`,
    signature: { keyName, keyHash: keyHash.toString('hex'), signature: signature.toString('base64') },
  }
}

/**
 * Splits a signed note into its body lines (without the final empty one) and signature lines;
 * `fail(why)` builds the error thrown when the text is malformed.
 */
export function splitNote(
  text: string,
  fail: (why: string) => Error,
): { lines: string[]; signatures: NoteSignature[] } {
  if (typeof text !== 'string') throw fail('the text is not a string')
  const split = text.indexOf('\n\n')
  const body = split === -1 ? text : text.slice(0, split + 1)
  const lines = body.split('\n')
  if (lines[lines.length - 1] !== '') throw fail('the body must end with a newline')
  lines.pop()
  const signatures: NoteSignature[] = []
  if (split !== -1) {
    for (const line of text.slice(split + 2).split('\n')) {
      if (line === '') continue
      const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line)
      if (!match) throw fail(`malformed signature line "${line.slice(0, 40)}"`)
      const blob = Buffer.from(match[2] as string, 'base64')
      if (blob.length < 5) throw fail('signature too short')
      signatures.push({
        keyName: match[1] as string,
        keyHash: blob.subarray(0, 4).toString('hex'),
        signature: blob.subarray(4).toString('base64'),
      })
    }
  }
  return { lines, signatures }
}

/** Parses the base64 of a 32-byte hash into hex, or `undefined` when it is not exactly that. */
export function hashFromBase64(text: string): string | undefined {
  const root = Buffer.from(text, 'base64')
  return root.length === 32 && root.toString('base64') === text ? root.toString('hex') : undefined
}

/** Whether some signature of `signatures` is a valid Ed25519 signature of `body` by `publicKey`. */
export function noteSignedBy(
  body: string,
  signatures: readonly NoteSignature[],
  publicKey: KeyObject,
): boolean {
  const bytes = Buffer.from(body, 'utf8')
  return signatures.some((entry) => {
    if (entry.keyHash !== noteKeyHash(entry.keyName, publicKey).toString('hex')) return false
    try {
      return verify(null, bytes, publicKey, Buffer.from(entry.signature, 'base64'))
    } catch {
      return false
    }
  })
}

/** What a checkpoint or a retention statement is made of before it is signed. */
export interface SignedRecordInput {
  /** The log (chain) it belongs to. */
  origin: string
  /** The seq it covers. */
  size: number
  /** The chain hash at `size`, hex. */
  rootHash: string
  /** Ed25519 private key; without it the record is unsigned. */
  signingKey?: KeyObject | undefined
  /** Name in the signature line. @default origin */
  keyName?: string | undefined
}

/** A signed record of kind `K`: its fields, its signed-note text and signature lines. */
export interface SignedRecord<K extends string> {
  kind: K
  origin: string
  size: number
  rootHash: string
  text: string
  signatures: NoteSignature[]
}

/**
 * Builds a signed record (checkpoint or retention statement) of `body`: signed as a signed note
 * with Ed25519 when `input.signingKey` is given, the bare body otherwise.
 */
export function createSignedRecord<K extends string>(
  kind: K,
  body: string,
  input: SignedRecordInput,
): SignedRecord<K> {
  const record = { kind, origin: input.origin, size: input.size, rootHash: input.rootHash }
  if (!input.signingKey) return { ...record, text: body, signatures: [] }
  const { text, signature } = signNote(body, input.signingKey, input.keyName ?? input.origin)
  return { ...record, text, signatures: [signature] }
}

/**
 * Parses the origin, size and root lines shared by checkpoints and retention statements;
 * `bad(why)` builds the error. `names` name the size and root lines in messages.
 */
export function parseRecordLines(
  lines: readonly [string, string, string],
  names: { size: string; root: string },
  bad: (why: string) => Error,
): { origin: string; size: number; rootHash: string } {
  const [origin, sizeText, rootText] = lines
  if (!origin || /\s/.test(origin)) throw bad('the origin must be non-empty without whitespace')
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) throw bad(`${names.size} is not a decimal number`)
  const rootHash = hashFromBase64(rootText)
  if (rootHash === undefined) throw bad(`${names.root} is not a base64 SHA-256 hash`)
  return { origin, size: Number(sizeText), rootHash }
}
