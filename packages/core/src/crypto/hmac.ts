import { createHmac } from 'node:crypto'
import { constantTimeEqual } from './constant-time.js'

/** Encodings in which {@link hmacSha256} can return a digest. */
export type DigestEncoding = 'hex' | 'base64' | 'base64url'

/** HMAC-SHA256 of `data` under `key`, encoded as asked. */
export function hmacSha256(
  key: string | Uint8Array,
  data: string | Uint8Array,
  encoding: DigestEncoding = 'hex',
): string {
  return createHmac('sha256', key).update(data).digest(encoding)
}

/** Whether `signature` is the HMAC-SHA256 of `data` under `key`, compared in constant time. */
export function verifyHmacSha256(
  key: string | Uint8Array,
  data: string | Uint8Array,
  signature: string,
  encoding: DigestEncoding = 'hex',
): boolean {
  return constantTimeEqual(hmacSha256(key, data, encoding), signature)
}
