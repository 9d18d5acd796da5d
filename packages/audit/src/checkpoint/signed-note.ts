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
