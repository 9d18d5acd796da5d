import type { Clock, Logger, TimerHandle } from '@opskit/core'
import type { BackgroundLoop } from '../reports-types.js'

/** A running {@link startPollingLoop}; `stopped` once `stop()` was called. */
export interface PollingLoop extends BackgroundLoop {
  readonly stopped: boolean
}

/**
 * Calls `round` at once and then `intervalMs` after each round ends, on the clock (so fake clocks
 * drive it), logging a failed round and going on. `stop()` cancels the next round and waits for
 * the one in progress.
 */
export function startPollingLoop(options: {
  clock: Clock
  logger: Logger
  intervalMs: number
  round: () => Promise<unknown>
}): PollingLoop {
  const { clock, logger } = options
  let timer: TimerHandle | undefined
  let running: Promise<unknown> = Promise.resolve()
  let stopped = false
  const tick = () => {
    running = options
      .round()
      .catch((error: unknown) => logger.error({ err: error }, 'schedule dispatch failed'))
      .finally(() => {
        if (!stopped) timer = clock.setTimeout(tick, options.intervalMs)
      })
  }
  timer = clock.setTimeout(tick, 0)
  return {
    get stopped() {
      return stopped
    },
    async stop() {
      stopped = true
      if (timer) clock.clearTimeout(timer)
      await running
    },
  }
}
