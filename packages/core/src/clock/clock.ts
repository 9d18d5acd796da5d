/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object

/**
 * The source of time for everything in opskit that waits, schedules or stamps.
 *
 * Production code gets {@link systemClock}; tests pass `createFakeClock()` from
 * `@opskit/core/testing` and move time by hand, so nothing really sleeps.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /** Resolves after `ms` milliseconds, or rejects with the signal's reason when aborted. */
  sleep(ms: number, options?: { signal?: AbortSignal }): Promise<void>
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle
  /** Cancels a timer from {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void
}

/** Rejects with the abort reason of `signal` (an `AbortError` when it has none). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error) return reason
  const error = new Error('The operation was aborted')
  error.name = 'AbortError'
  return error
}

/**
 * Builds a `sleep` from a clock's timer functions, honouring an abort signal.
 * Both the system clock and the fake clock use it, so they behave alike.
 */
export function sleepWithTimers(
  setTimer: (callback: () => void, ms: number) => TimerHandle,
  clearTimer: (handle: TimerHandle) => void,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal))
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimer(handle)
      reject(abortReason(signal as AbortSignal))
    }
    const handle = setTimer(
      () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      },
      Math.max(0, ms),
    )
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The real clock: `Date.now()` and Node timers (unref'd so they never keep the host alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, options) =>
    sleepWithTimers(systemClock.setTimeout, systemClock.clearTimeout, ms, options?.signal),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms)
    timer.unref?.()
    return timer
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}
