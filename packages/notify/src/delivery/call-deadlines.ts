import { setMaxListeners } from 'node:events'
import type { Clock, TimerHandle } from '@opskit/core'

/** The deadline of the provider calls that started at one instant of the clock. */
export interface CallDeadline {
  /** Aborted once the deadline has passed. */
  readonly signal: AbortSignal
}

interface SharedDeadline extends CallDeadline {
  readonly startedAt: number
  readonly controller: AbortController
  timer: TimerHandle | undefined
  /** Calls holding the deadline; its timer is cleared when the last one releases it. */
  holders: number
}

/** Hands out the deadlines of provider calls: {@link createCallDeadlines}. */
export interface CallDeadlines {
  /** The deadline `timeoutMs` from now, for one call; release it when the call settles. */
  acquire(): CallDeadline
  release(deadline: CallDeadline): void
}

/**
 * Deadlines `timeoutMs` after the start of each provider call. Calls that start at the same
 * instant of `clock` (the same millisecond of the real clock) have the same deadline, so they
 * share one `AbortController` and one timer: in Node an `AbortController` with its signal costs
 * ~10 µs to create (an `EventTarget`), more than the rest of a call's bookkeeping, and a send
 * pipeline starts its provider calls in bursts. The shared signal takes any number of listeners
 * (one per concurrent request of `fetch`) without Node's leak warning.
 */
export function createCallDeadlines(clock: Clock, timeoutMs: number): CallDeadlines {
  let current: SharedDeadline | undefined
  const retire = (deadline: SharedDeadline) => {
    if (current === deadline) current = undefined
  }
  return {
    acquire() {
      const now = clock.now()
      if (current && current.startedAt === now && !current.signal.aborted) {
        current.holders++
        return current
      }
      const controller = new AbortController()
      setMaxListeners(0, controller.signal)
      const deadline: SharedDeadline = {
        startedAt: now,
        controller,
        signal: controller.signal,
        timer: undefined,
        holders: 1,
      }
      deadline.timer = clock.setTimeout(() => {
        deadline.timer = undefined
        retire(deadline)
        controller.abort()
      }, timeoutMs)
      current = deadline
      return deadline
    },
    release(held) {
      const deadline = held as SharedDeadline
      deadline.holders--
      if (deadline.holders > 0) return
      retire(deadline)
      if (deadline.timer !== undefined) {
        clock.clearTimeout(deadline.timer)
        deadline.timer = undefined
      }
    },
  }
}
