import type { Clock } from '@opskit/core'

/** A provider's rate limit: `perSecond` sustained, bursts up to `burst`. */
export interface RateLimit {
  perSecond: number
  /** @default perSecond */
  burst?: number
  /**
   * `'tenant'`: one bucket per tenant (each tenant gets the full rate); `'provider'`: one bucket
   * shared by every tenant. @default 'tenant'
   */
  scope?: 'tenant' | 'provider'
}

/** A token bucket: {@link TokenBucket.take} waits (on the clock) until a token is free. */
export interface TokenBucket {
  take(signal?: AbortSignal): Promise<void>
}

/** Creates a token bucket that refills continuously at `perSecond`. */
export function createTokenBucket(limit: RateLimit, clock: Clock): TokenBucket {
  const capacity = Math.max(1, limit.burst ?? limit.perSecond)
  const rate = limit.perSecond / 1000
  let tokens = capacity
  let last = clock.now()
  let queue: Promise<void> = Promise.resolve()
  const refill = () => {
    const now = clock.now()
    tokens = Math.min(capacity, tokens + (now - last) * rate)
    last = now
  }
  const takeOne = async (signal?: AbortSignal) => {
    refill()
    while (tokens < 1) {
      await clock.sleep(Math.ceil((1 - tokens) / rate), signal ? { signal } : undefined)
      refill()
    }
    tokens -= 1
  }
  return {
    take(signal) {
      const next = queue.then(() => takeOne(signal))
      queue = next.catch(() => {})
      return next
    },
  }
}
