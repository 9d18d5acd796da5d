import { randomBytes } from 'node:crypto'
import { sha256Hex } from '@opskit/core'

/** A download token is 32 random bytes (256 bits), base64url: 43 characters. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/

/** Makes a fresh 256-bit token. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Whether `token` has the shape of a download token. */
export function isWellFormedToken(token: string): boolean {
  return TOKEN.test(token)
}

/** The only form of a token that is stored. */
export function hashToken(token: string): string {
  return sha256Hex(token)
}
