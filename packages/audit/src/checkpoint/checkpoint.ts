import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto'
import { AuditError } from '../errors/audit-error.js'

/** A parsed C2SP `tlog-checkpoint`: the log's origin, its size (= last seq) and root (= chain hash). */
export interface Checkpoint {
  /** Unique identity of the log (one per chain), e.g. `opskit-audit/billing/tenant/acme`. */
  origin: string
  /** Number of events covered: the seq of the last one. */
  size: number
  /** The chain hash at `size`, hex. */
  rootHash: string
  /** The full signed-note text (body, blank line, signature lines). */
  text: string
  /** Signature lines, as `{ keyName, keyHash (hex, 4 bytes), signature (base64) }`. */
  signatures: Array<{ keyName: string; keyHash: string; signature: string }>
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

/** The checkpoint body: `<origin>\n<size>\n<base64 root>\n`. */
export function checkpointBody(origin: string, size: number, rootHash: string): string {
  return `${origin}\n${size}\n${Buffer.from(rootHash, 'hex').toString('base64')}\n`
}

/**
 * Builds a C2SP checkpoint, signed as a signed note with Ed25519 when a key is given
 * (`— <keyName> <base64(keyHash ‖ signature)>`), unsigned otherwise.
 */
export function createCheckpoint(input: {
  origin: string
  size: number
  rootHash: string
  signingKey?: KeyObject
  keyName?: string
}): Checkpoint {
  const body = checkpointBody(input.origin, input.size, input.rootHash)
  if (!input.signingKey)
    return { origin: input.origin, size: input.size, rootHash: input.rootHash, text: body, signatures: [] }
  const keyName = input.keyName ?? input.origin
  const keyHash = noteKeyHash(keyName, createPublicKey(input.signingKey))
  const signature = sign(null, Buffer.from(body, 'utf8'), input.signingKey)
  const blob = Buffer.concat([keyHash, signature]).toString('base64')
  return {
    origin: input.origin,
    size: input.size,
    rootHash: input.rootHash,
    text: `${body}\n\u2014 ${keyName} ${blob}\n`,
    signatures: [{ keyName, keyHash: keyHash.toString('hex'), signature: signature.toString('base64') }],
  }
}

/** Parses checkpoint text (signed or not); throws `AUDIT_INVALID_CHECKPOINT` when malformed. */
export function parseCheckpoint(text: string): Checkpoint {
  const bad = (why: string) => new AuditError('AUDIT_INVALID_CHECKPOINT', `invalid checkpoint: ${why}`)
  const split = text.indexOf('\n\n')
  const body = split === -1 ? text : text.slice(0, split + 1)
  const lines = body.split('\n')
  if (lines.length < 4 || lines[lines.length - 1] !== '')
    throw bad('the body must be origin, size and root lines')
  const [origin, sizeText, rootText] = lines as [string, string, string]
  if (!origin) throw bad('empty origin')
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw bad('size is not a decimal number')
  const root = Buffer.from(rootText, 'base64')
  if (root.length !== 32 || root.toString('base64') !== rootText)
    throw bad('root is not a base64 SHA-256 hash')
  const signatures: Checkpoint['signatures'] = []
  if (split !== -1) {
    for (const line of text.slice(split + 2).split('\n')) {
      if (line === '') continue
      const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line)
      if (!match) throw bad(`malformed signature line "${line.slice(0, 40)}"`)
      const blob = Buffer.from(match[2] as string, 'base64')
      if (blob.length < 5) throw bad('signature too short')
      signatures.push({
        keyName: match[1] as string,
        keyHash: blob.subarray(0, 4).toString('hex'),
        signature: blob.subarray(4).toString('base64'),
      })
    }
  }
  return { origin, size: Number(sizeText), rootHash: root.toString('hex'), text, signatures }
}

/** Whether some signature line of `checkpoint` is a valid Ed25519 signature by `publicKey`. */
export function checkpointSignedBy(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  const body = Buffer.from(checkpointBody(checkpoint.origin, checkpoint.size, checkpoint.rootHash), 'utf8')
  return checkpoint.signatures.some((entry) => {
    if (entry.keyHash !== noteKeyHash(entry.keyName, publicKey).toString('hex')) return false
    try {
      return verify(null, body, publicKey, Buffer.from(entry.signature, 'base64'))
    } catch {
      return false
    }
  })
}
