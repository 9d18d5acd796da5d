import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Compares two strings or buffers in time that does not depend on where they differ. Values of
 * equal length are compared directly; values of different lengths are hashed to fixed-size
 * digests first, so the content of neither leaks. Use it for every secret, password, token and
 * signature check.
 */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const left = typeof a === 'string' ? Buffer.from(a) : a
  const right = typeof b === 'string' ? Buffer.from(b) : b
  if (left.length === right.length) return timingSafeEqual(left, right)
  timingSafeEqual(createHash('sha256').update(left).digest(), createHash('sha256').update(right).digest())
  return false
}

/** SHA-256 of `value` as lowercase hex: how opskit stores tokens (never the token itself). */
export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex')
}
