import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { AuditError } from '../errors/audit-error.js'

/** How subject keys are stored: wrapped under the host's key, or (without one) as plain base64. */
export interface SubjectKeyWrap {
  /** The stored text of a fresh 32-byte subject key. */
  wrap(raw: Buffer, keyId: string): string
  /** The subject key from its stored text; throws `AUDIT_INVALID_OPTIONS` when it cannot be opened. */
  unwrap(stored: string, keyId: string): Buffer
}

const WRAPPED = 'w1:'
const IV_BYTES = 12
const TAG_BYTES = 16

function aad(keyId: string): Buffer {
  return Buffer.from(`opskit-audit subject key/${keyId}`)
}

/** Checks and copies a host-supplied wrapping key: exactly 32 bytes. */
export function toWrappingKey(key: Uint8Array): Buffer {
  if (!(key instanceof Uint8Array) || key.length !== 32)
    throw new AuditError(
      'AUDIT_INVALID_OPTIONS',
      'subjectKeyWrappingKey must be 32 bytes (a Buffer or Uint8Array)',
    )
  return Buffer.from(key)
}

/**
 * Subject keys wrapped with AES-256-GCM under `wrappingKey` (stored as `w1:<base64(iv ‖ tag ‖
 * wrapped key)>`, the key id as associated data so a wrapped key cannot be moved to another row),
 * or stored as plain base64 without a wrapping key. Plain keys written before wrapping was turned
 * on still open; a wrapped key without the wrapping key (or with another) is an error, never read
 * as "erased", so a misconfigured host cannot go on writing personal data unencrypted.
 */
export function createSubjectKeyWrap(wrappingKey?: Buffer): SubjectKeyWrap {
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
        throw new AuditError(
          'AUDIT_INVALID_OPTIONS',
          `subject key ${keyId} is wrapped: pass the subjectKeyWrappingKey it was wrapped with`,
        )
      const blob = Buffer.from(stored.slice(WRAPPED.length), 'base64')
      try {
        const decipher = createDecipheriv('aes-256-gcm', wrappingKey, blob.subarray(0, IV_BYTES))
        decipher.setAAD(aad(keyId))
        decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()])
      } catch (error) {
        throw new AuditError(
          'AUDIT_INVALID_OPTIONS',
          `subject key ${keyId} does not unwrap with the given subjectKeyWrappingKey (another key, or an altered row)`,
          { cause: error },
        )
      }
    },
  }
}
