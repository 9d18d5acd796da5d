import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto'
import { setBounded } from '@opskit/core/internal'
import type { SubjectKey } from '../store/audit-store.js'

/**
 * Field encryption formats, both AES-256-GCM under the subject's key, stored as
 * `enc:vN:<keyId>:<base64url(iv ‖ tag ‖ ciphertext)>`:
 * - `v1` (read only): a random IV, the event id and field name as associated data.
 * - `v2` (written): a synthetic IV, `HMAC-SHA256(key, field ‖ 0x00 ‖ value)` truncated to 96 bits,
 *   and `keyId/field` as associated data. Deterministic per subject, field and value: an IV
 *   repeats only for the same plaintext, so GCM's nonce rule holds, and the same value of the same
 *   subject seals to the same text, which lets a writer reuse it instead of running AES per event.
 *   The price is linkability: someone reading the table can tell that two events of one subject
 *   carry the same (still unreadable) value. Other subjects' keys differ, so nothing links across
 *   subjects, and destroying the key still makes the value unrecoverable.
 */
const PREFIX_V1 = 'enc:v1:'
const PREFIX_V2 = 'enc:v2:'
const PREFIX_LENGTH = PREFIX_V2.length
const IV_BYTES = 12
const TAG_BYTES = 16

function sealV2(key: SubjectKey, field: string, value: string): string {
  const iv = createHmac('sha256', key.key).update(`${field}\u0000${value}`).digest().subarray(0, IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key.key, iv)
  cipher.setAAD(Buffer.from(`${key.keyId}/${field}`))
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
  const blob = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')
  return `${PREFIX_V2}${key.keyId}:${blob}`
}

/** Seals personal fields, remembering recent results: a subject's email or IP repeats across events. */
export interface FieldSealer {
  /** The stored text of `value` in `field`, encrypted with the subject's key. */
  seal(key: SubjectKey, field: string, value: string): string
  /** Drops remembered results (after a key was destroyed). */
  clear(): void
}

/**
 * A {@link FieldSealer} that keeps up to `capacity` recent results. The cache holds plaintext
 * personal data in process memory only, as in-flight events already do; it is a memo of a
 * deterministic function, so a miss only costs time.
 */
export function createFieldSealer(capacity = 4096): FieldSealer {
  const cache = new Map<string, string>()
  return {
    seal(key, field, value) {
      const cacheKey = `${key.keyId}\u0000${field}\u0000${value}`
      const hit = cache.get(cacheKey)
      if (hit !== undefined) return hit
      const sealed = sealV2(key, field, value)
      setBounded(cache, cacheKey, sealed, capacity)
      return sealed
    },
    clear() {
      cache.clear()
    },
  }
}

/** Whether a stored value is an encrypted field. */
export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && (value.startsWith(PREFIX_V2) || value.startsWith(PREFIX_V1))
}

/** The key id an encrypted field was sealed with. */
export function encryptedKeyId(value: string): string {
  return value.slice(PREFIX_LENGTH, value.indexOf(':', PREFIX_LENGTH))
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
  const blob = Buffer.from(value.slice(PREFIX_LENGTH + keyId.length + 1), 'base64url')
  const aad = value.startsWith(PREFIX_V2) ? `${keyId}/${field}` : `${eventId}/${field}`
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, blob.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(aad))
    decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    )
  } catch {
    return undefined
  }
}
