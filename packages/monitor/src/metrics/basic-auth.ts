import { randomBytes, scryptSync } from 'node:crypto'
import { constantTimeEqual, sha256Hex } from '@opskit/core'
import { MonitorError } from '../errors/monitor-error.js'

const SCRYPT = { N: 16_384, r: 8, p: 1 }

/**
 * Hashes a password for `metricsHandler({ basicAuth: { passwordHash } })`: scrypt with a random
 * salt, encoded `scrypt$<salt base64>$<hash base64>`. Keep only the hash in configuration.
 */
export function hashPassword(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password, salt, 32, SCRYPT)
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`
}

/** A checker of Basic credentials; see {@link createBasicAuth}. */
export type BasicAuthCheck = (authorization: string | undefined) => boolean

/**
 * Builds a Basic-auth checker. `passwordHash` is `scrypt$salt$hash` (from {@link hashPassword})
 * or `sha256$<hex>`; a plain `password` is compared through SHA-256 digests. Every comparison
 * is constant-time, and the username is compared even when the password is wrong.
 */
export function createBasicAuth(config: {
  username: string
  password?: string
  passwordHash?: string
}): BasicAuthCheck {
  let verify: (password: string) => boolean
  if (config.passwordHash !== undefined) {
    const parts = config.passwordHash.split('$')
    if (parts[0] === 'scrypt' && parts.length === 3) {
      const salt = Buffer.from(parts[1] as string, 'base64')
      const expected = Buffer.from(parts[2] as string, 'base64')
      verify = (password) => constantTimeEqual(scryptSync(password, salt, expected.length, SCRYPT), expected)
    } else if (parts[0] === 'sha256' && parts.length === 2 && /^[0-9a-f]{64}$/i.test(parts[1] as string)) {
      const expected = (parts[1] as string).toLowerCase()
      verify = (password) => constantTimeEqual(sha256Hex(password), expected)
    } else {
      throw new MonitorError(
        'MONITOR_INVALID_CONFIG',
        'basicAuth.passwordHash: expected "scrypt$<salt>$<hash>" (hashPassword()) or "sha256$<hex>"',
      )
    }
  } else if (config.password !== undefined) {
    const expected = sha256Hex(config.password)
    verify = (password) => constantTimeEqual(sha256Hex(password), expected)
  } else {
    throw new MonitorError('MONITOR_INVALID_CONFIG', 'basicAuth: give password or passwordHash')
  }
  const expectedUser = sha256Hex(config.username)
  return (authorization) => {
    if (!authorization) return false
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization)
    if (!match) return false
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) return false
    const userOk = constantTimeEqual(sha256Hex(decoded.slice(0, colon)), expectedUser)
    const passwordOk = verify(decoded.slice(colon + 1))
    return userOk && passwordOk
  }
}
