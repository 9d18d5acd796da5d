import { type Clock, systemClock } from '../clock/clock.js'

/** How randomness spreads retry delays: none, full (0..d) or equal (d/2..d) jitter. */
export type JitterMode = 'none' | 'full' | 'equal'

/** Options for {@link retry}. */
export interface RetryOptions {
  /** Further attempts after the first. @default 3 */
  retries?: number | undefined
  /** Delay before the first retry, doubled each time. @default 100 */
  baseMs?: number | undefined
  /** Upper bound of one delay. @default 30000 */
  maxMs?: number | undefined
  /** Jitter applied to each delay. @default 'full' */
  jitter?: JitterMode | undefined
  /** Whether an error may be retried; permanent errors return false and fail at once. @default () => true */
  isRetryable?: ((error: unknown, attempt: number) => boolean) | undefined
  /**
   * A delay the failure itself asks for (e.g. HTTP `Retry-After`), in ms. When it returns a
   * number, that delay is used instead of the computed one (still capped by `maxMs`).
   */
  retryAfterMs?: (error: unknown) => number | undefined
  /** Called before each wait with the attempt that failed and the delay chosen. */
  onRetry?: ((info: { error: unknown; attempt: number; delayMs: number }) => void) | undefined
  /** Source of time; tests pass a fake clock. @default systemClock */
  clock?: Clock | undefined
  /** Random numbers in [0, 1) for jitter. @default Math.random */
  random?: (() => number) | undefined
  /** Aborts the waits and stops further attempts. */
  signal?: AbortSignal | undefined
}

/** The delay before retry number `attempt` (1-based), before any `Retry-After` override. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseMs' | 'maxMs' | 'jitter' | 'random'> = {},
): number {
  const base = options.baseMs ?? 100
  const max = options.maxMs ?? 30_000
  const random = options.random ?? Math.random
  const exponential = Math.min(max, base * 2 ** (attempt - 1))
  switch (options.jitter ?? 'full') {
    case 'none':
      return exponential
    case 'equal':
      return exponential / 2 + random() * (exponential / 2)
    default:
      return random() * exponential
  }
}

/**
 * Calls `fn` until it resolves, retrying retryable failures with exponential backoff and
 * jitter. The last error is rethrown unchanged once retries are spent or an error is permanent.
 *
 * @example
 * ```ts
 * const result = await retry((attempt) => provider.send(message), {
 *   retries: 4,
 *   isRetryable: (err) => isOpskitError(err) && err.retryable,
 * })
 * ```
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 3
  const clock = options.clock ?? systemClock
  const isRetryable = options.isRetryable ?? (() => true)
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (attempt > retries || !isRetryable(error, attempt) || options.signal?.aborted) throw error
      const asked = options.retryAfterMs?.(error)
      const delayMs = Math.min(options.maxMs ?? 30_000, asked ?? backoffDelay(attempt, options))
      options.onRetry?.({ error, attempt, delayMs })
      await clock.sleep(delayMs, options.signal ? { signal: options.signal } : undefined)
    }
  }
}
