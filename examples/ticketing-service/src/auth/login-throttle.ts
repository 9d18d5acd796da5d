import { HttpError } from '../http/http-error.js'

/**
 * Throttles password logins before any password hash is computed, so a client cannot make the
 * service run scrypt as often as it likes, and a guesser slows down exponentially.
 *
 * Failures are counted under three keys, each with its own allowance and ceiling:
 * - account + client address: the guesser's own key; a few free failures, then backoff that
 *   doubles up to 15 minutes. It does not touch the real user, who logs in from elsewhere.
 * - client address: password spraying across many accounts from one address.
 * - account (from any address): a distributed guesser; its ceiling is short (one minute), so an
 *   attacker can slow a real user's logins down but never lock them out for long.
 * A successful login clears its account + address key. Memory is bounded: entries expire after
 * their window and the map keeps at most `maxKeys`, dropping the least recently failed.
 * An attempt made while held back counts as a failure too, so persisting only prolongs the wait
 * (up to each key's ceiling).
 */

/** How one key is throttled. */
interface Allowance {
  /** Failures within the window before backoff starts (the next attempt waits `baseMs`). */
  free: number
  /** First backoff step; it doubles with every further failure. */
  baseMs: number
  /** Longest backoff. */
  ceilingMs: number
}

/** Throttle settings; the defaults suit an interactive login form. */
export interface LoginThrottleOptions {
  /** Failures are forgotten this long after the last one (default 15 minutes). */
  windowMs?: number
  perAccountAndAddress?: Partial<Allowance>
  perAddress?: Partial<Allowance>
  perAccount?: Partial<Allowance>
  /** Most keys kept in memory (default 50,000). */
  maxKeys?: number
  now?: () => number
}

/** The answer for one login attempt. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number }

/** A login throttle: ask before checking a password, report the outcome after. */
export interface LoginThrottle {
  check(account: string, address: string): ThrottleDecision
  failed(account: string, address: string): void
  succeeded(account: string, address: string): void
  /** Keys held now (for tests and metrics). */
  size(): number
}

interface Entry {
  failures: number
  lastFailureAt: number
  blockedUntil: number
}

const MINUTE = 60_000

/** Creates an in-memory login throttle (per process; a cluster would keep it in shared storage). */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const windowMs = options.windowMs ?? 15 * MINUTE
  const maxKeys = options.maxKeys ?? 50_000
  const now = options.now ?? Date.now
  const rules: Record<'pair' | 'address' | 'account', Allowance> = {
    pair: { free: 5, baseMs: 1_000, ceilingMs: 15 * MINUTE, ...options.perAccountAndAddress },
    address: { free: 20, baseMs: 1_000, ceilingMs: 15 * MINUTE, ...options.perAddress },
    account: { free: 50, baseMs: 1_000, ceilingMs: MINUTE, ...options.perAccount },
  }
  const entries = new Map<string, Entry>()
  const keysOf = (account: string, address: string) =>
    [
      ['pair', `p\u0000${account}\u0000${address}`],
      ['address', `i\u0000${address}`],
      ['account', `a\u0000${account}`],
    ] as const

  const live = (key: string, at: number): Entry | undefined => {
    const entry = entries.get(key)
    if (entry && at - entry.lastFailureAt > windowMs && at >= entry.blockedUntil) {
      entries.delete(key)
      return undefined
    }
    return entry
  }
  const evictIfFull = () => {
    // Map iteration follows insertion order and a failure re-inserts its key: the first keys are
    // the least recently failed (expired ones among them).
    for (const key of entries.keys()) {
      if (entries.size < maxKeys) break
      entries.delete(key)
    }
  }

  return {
    check(account, address) {
      const at = now()
      let waitMs = 0
      for (const [, key] of keysOf(account, address)) {
        const entry = live(key, at)
        if (entry) waitMs = Math.max(waitMs, entry.blockedUntil - at)
      }
      return waitMs > 0 ? { allowed: false, retryAfterMs: waitMs } : { allowed: true }
    },
    failed(account, address) {
      const at = now()
      for (const [kind, key] of keysOf(account, address)) {
        const rule = rules[kind]
        const previous = live(key, at)
        if (!previous) evictIfFull()
        const entry = previous ?? { failures: 0, lastFailureAt: at, blockedUntil: 0 }
        entry.failures += 1
        entry.lastFailureAt = at
        const over = entry.failures - rule.free
        if (over >= 0) {
          const backoff = Math.min(rule.ceilingMs, rule.baseMs * 2 ** Math.min(over, 30))
          entry.blockedUntil = at + backoff
        }
        entries.delete(key)
        entries.set(key, entry)
      }
    },
    succeeded(account, address) {
      entries.delete(keysOf(account, address)[0][1])
    },
    size: () => entries.size,
  }
}

/** The 429 answer for an attempt the throttle holds back, with `Retry-After` in seconds. */
export function tooManyAttempts(retryAfterMs: number): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
  return new HttpError(
    429,
    'TOO_MANY_ATTEMPTS',
    `too many failed logins; try again in ${seconds} s`,
    undefined,
    { 'retry-after': String(seconds) },
  )
}
