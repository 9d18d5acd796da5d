import { randomBytes, type ScryptOptions, scrypt, scryptSync } from 'node:crypto'
import { type Clock, constantTimeEqual, sha256Hex, systemClock } from '@opskit/core'
import { setBounded } from '@opskit/core/internal'
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

const scryptAsync = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  )

/** The verdict on one request's credentials. */
export type BasicAuthVerdict = 'ok' | 'unauthorized' | 'throttled'

/** A checker of Basic credentials; see {@link createBasicAuth}. */
export type BasicAuthCheck = (authorization: string | undefined, client: string) => Promise<BasicAuthVerdict>

/** Limits of {@link createBasicAuth}. */
export interface BasicAuthLimits {
  /** scrypt verifications running at once (each on one thread of libuv's pool). @default 1 */
  maxConcurrent?: number
  /** Verifications waiting for a slot; beyond, requests are `throttled`. @default 16 */
  maxQueued?: number
  /** Failures of one client address within `failureWindowMs` before it is `throttled`. @default 5 */
  failureLimit?: number
  /** @default 60000 */
  failureWindowMs?: number
  clock?: Clock
}

type PasswordVerifier = (password: string) => Promise<boolean>

function passwordVerifier(config: { password?: string | undefined; passwordHash?: string | undefined }): {
  verify: PasswordVerifier
  costly: boolean
} {
  if (config.passwordHash !== undefined) {
    const parts = config.passwordHash.split('$')
    if (parts[0] === 'scrypt' && parts.length === 3) {
      const salt = Buffer.from(parts[1] as string, 'base64')
      const expected = Buffer.from(parts[2] as string, 'base64')
      return {
        verify: async (password) =>
          constantTimeEqual(await scryptAsync(password, salt, expected.length, SCRYPT), expected),
        costly: true,
      }
    }
    if (parts[0] === 'sha256' && parts.length === 2 && /^[0-9a-f]{64}$/i.test(parts[1] as string)) {
      const expected = (parts[1] as string).toLowerCase()
      return { verify: async (password) => constantTimeEqual(sha256Hex(password), expected), costly: false }
    }
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      'basicAuth.passwordHash: expected "scrypt$<salt>$<hash>" (hashPassword()) or "sha256$<hex>"',
    )
  }
  if (config.password !== undefined) {
    const expected = sha256Hex(config.password)
    return { verify: async (password) => constantTimeEqual(sha256Hex(password), expected), costly: false }
  }
  throw new MonitorError('MONITOR_INVALID_OPTIONS', 'basicAuth: give password or passwordHash')
}

/** At most `max` tasks at once, at most `queued` waiting; `undefined` when the queue is full. */
function limiter(max: number, queued: number) {
  let running = 0
  const waiting: Array<() => void> = []
  const release = () => {
    running--
    waiting.shift()?.()
  }
  return async <T>(task: () => Promise<T>): Promise<T | undefined> => {
    if (running >= max) {
      if (waiting.length >= queued) return undefined
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
    running++
    try {
      return await task()
    } finally {
      release()
    }
  }
}

const MAX_TRACKED_CLIENTS = 10_000

/**
 * Builds a Basic-auth checker that never blocks the event loop. `passwordHash` is
 * `scrypt$salt$hash` (from {@link hashPassword}) or `sha256$<hex>`; a plain `password` is
 * compared through SHA-256 digests. Comparisons are constant-time and the username is checked
 * even when the password is wrong. scrypt runs asynchronously on the thread pool, at most
 * `maxConcurrent` at once with a bounded queue; the SHA-256 digest of the last credentials that
 * verified is kept, so a scraper that presents them again costs no scrypt. A client address with
 * `failureLimit` failures inside `failureWindowMs` is `throttled` (no verification at all) until
 * the window ends, so a guesser gets neither CPU nor answers.
 */
export function createBasicAuth(
  config: { username: string; password?: string | undefined; passwordHash?: string | undefined },
  limits: BasicAuthLimits = {},
): BasicAuthCheck {
  const { verify, costly } = passwordVerifier(config)
  const clock = limits.clock ?? systemClock
  const failureLimit = limits.failureLimit ?? 5
  const windowMs = limits.failureWindowMs ?? 60_000
  const slot = limiter(limits.maxConcurrent ?? 1, limits.maxQueued ?? 16)
  const expectedUser = sha256Hex(config.username)
  const failures = new Map<string, { count: number; since: number }>()
  let verifiedDigest: string | undefined

  const throttled = (client: string) => {
    const entry = failures.get(client)
    if (!entry) return false
    if (clock.now() - entry.since > windowMs) {
      failures.delete(client)
      return false
    }
    return entry.count >= failureLimit
  }
  const fail = (client: string): BasicAuthVerdict => {
    const now = clock.now()
    const entry = failures.get(client)
    if (entry && now - entry.since <= windowMs) entry.count++
    else setBounded(failures, client, { count: 1, since: now }, MAX_TRACKED_CLIENTS)
    return 'unauthorized'
  }

  return async (authorization, client) => {
    if (throttled(client)) return 'throttled'
    const match = authorization ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null
    if (!match) return 'unauthorized' // no credentials is not a guess: the 401 challenge
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) return fail(client)
    const digest = sha256Hex(decoded)
    if (verifiedDigest !== undefined && constantTimeEqual(digest, verifiedDigest)) return 'ok'
    const userOk = constantTimeEqual(sha256Hex(decoded.slice(0, colon)), expectedUser)
    const password = decoded.slice(colon + 1)
    const passwordOk = costly ? await slot(() => verify(password)) : await verify(password)
    if (passwordOk === undefined) return 'throttled'
    if (!(userOk && passwordOk)) return fail(client)
    failures.delete(client)
    verifiedDigest = digest
    return 'ok'
  }
}
