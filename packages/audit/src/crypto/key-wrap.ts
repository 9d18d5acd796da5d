import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

// No AuditError here: the SQLite writer thread loads this module too, and stays off the package's
// main entry (zod, the event schema) so that it starts fast. The store passes its typed errors in.

/** How subject keys are stored: wrapped under the host's key, or (without one) as plain base64. */
export interface SubjectKeyWrap {
  /** The stored text of a fresh 32-byte subject key. */
  wrap(raw: Buffer, keyId: string): string
  /** The subject key from its stored text; throws (see {@link KeyWrapError}) when it cannot be opened. */
  unwrap(stored: string, keyId: string): Buffer
}

/** Builds the error thrown for an unusable wrapping key or a stored key that cannot be opened. */
export type KeyWrapError = (message: string, cause?: unknown) => Error

const plainError: KeyWrapError = (message, cause) => new Error(message, { cause })

const WRAPPED = 'w1:'
const IV_BYTES = 12
const TAG_BYTES = 16

function aad(keyId: string): Buffer {
  return Buffer.from(`opskit-audit subject key/${keyId}`)
}

/** Checks and copies a host-supplied wrapping key: exactly 32 bytes. */
export function toWrappingKey(key: Uint8Array, fail: KeyWrapError = plainError): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw fail('subjectKeyWrappingKey must be 32 bytes (a Buffer or Uint8Array)')
  return Buffer.from(key)
}

/**
 * Subject keys wrapped with AES-256-GCM under `wrappingKey` (stored as `w1:<base64(iv ‖ tag ‖
 * wrapped key)>`, the key id as associated data so a wrapped key cannot be moved to another row),
 * or stored as plain base64 without a wrapping key. Plain keys written before wrapping was turned
 * on still open; a wrapped key without the wrapping key (or with another) is an error, never read
 * as "erased", so a misconfigured host cannot go on writing personal data unencrypted.
 */
export function createSubjectKeyWrap(wrappingKey?: Buffer, fail: KeyWrapError = plainError): SubjectKeyWrap {
  return {
    wrap(raw, keyId) {
      if (!wrappingKey) return raw.toString('base64')
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv)
      cipher.setAAD(aad(keyId))
      const wrapped = Buffer.concat([cipher.update(raw), cipher.final()])
      return `${WRAPPED}${Buffer.concat([iv, cipher.getAuthTag(), wrapped]).toString('base64')}`
    },
    unwrap(stored, keyId) {
      if (!stored.startsWith(WRAPPED)) return Buffer.from(stored, 'base64')
      if (!wrappingKey)
        throw fail(`subject key ${keyId} is wrapped: pass the subjectKeyWrappingKey it was wrapped with`)
      const blob = Buffer.from(stored.slice(WRAPPED.length), 'base64')
      try {
        const decipher = createDecipheriv('aes-256-gcm', wrappingKey, blob.subarray(0, IV_BYTES))
        decipher.setAAD(aad(keyId))
        decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()])
      } catch (error) {
        throw fail(
          `subject key ${keyId} does not unwrap with the given subjectKeyWrappingKey (another key, or an altered row)`,
          error,
        )
      }
    },
  }
}
