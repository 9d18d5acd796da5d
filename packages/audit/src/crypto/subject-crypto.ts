import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { SubjectKey } from '../store/audit-store.js'

const PREFIX = 'enc:v1:'
const IV_BYTES = 12
const POOL_BYTES = IV_BYTES * 512
let pool = Buffer.alloc(0)
let offset = POOL_BYTES

// One call to the CSPRNG per 512 IVs: randomBytes per field costs more than the encryption.
function nextIv(): Buffer {
  if (offset + IV_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES)
    offset = 0
  }
  const iv = pool.subarray(offset, offset + IV_BYTES)
  offset += IV_BYTES
  return iv
}

/** Encrypts a personal field with a subject's key (AES-256-GCM, bound to the event id and field). */
export function encryptField(key: SubjectKey, eventId: string, field: string, value: string): string {
  const iv = nextIv()
  const cipher = createCipheriv('aes-256-gcm', key.key, iv)
  cipher.setAAD(Buffer.from(`${eventId}/${field}`))
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
  const blob = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')
  return `${PREFIX}${key.keyId}:${blob}`
}

/** Whether a stored value is an encrypted field. */
export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX)
}

/** The key id an encrypted field was sealed with. */
export function encryptedKeyId(value: string): string {
  return value.slice(PREFIX.length, value.indexOf(':', PREFIX.length))
}

/** Decrypts a field; `undefined` when the key is gone (erased) or the ciphertext was altered. */
export function decryptField(
  keys: ReadonlyMap<string, SubjectKey>,
  eventId: string,
  field: string,
  value: string,
): string | undefined {
  const keyId = encryptedKeyId(value)
  const key = keys.get(keyId)
  if (!key) return undefined
  const blob = Buffer.from(value.slice(PREFIX.length + keyId.length + 1), 'base64url')
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, blob.subarray(0, 12))
    decipher.setAAD(Buffer.from(`${eventId}/${field}`))
    decipher.setAuthTag(blob.subarray(12, 28))
    return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}
