import { type Clock, sleepWithTimers, type TimerHandle } from '../clock/clock.js'

interface ScheduledTimer {
  id: number
  dueAt: number
  callback: () => void
}

/** A {@link Clock} whose time only moves when a test says so. */
export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, running every timer that falls due in order, each at its own
   * due time, and letting pending promise callbacks settle after each one.
   */
  advance(ms: number): Promise<void>
  /** Moves time to an absolute instant (ms since epoch, or a Date), running due timers. */
  setTime(time: number | Date): Promise<void>
  /** Runs timers until none is left (bounded by `maxTimers`, default 10,000, to catch loops). */
  runAll(maxTimers?: number): Promise<void>
  /** How many timers are waiting. */
  pendingTimers(): number
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * A controllable clock for tests: `advance()` moves time and fires timers; nothing sleeps.
 *
 * @example
 * ```ts
 * const clock = createFakeClock(new Date('2026-01-01T00:00:00Z'))
 * const done = retry(send, { retries: 3, baseMs: 100, clock })
 * await clock.advance(1_000)
 * ```
 */
export function createFakeClock(start: number | Date = Date.UTC(2026, 0, 1)): FakeClock {
  let now = typeof start === 'number' ? start : start.getTime()
  let nextId = 1
  const timers: ScheduledTimer[] = []

  const setTimer = (callback: () => void, ms: number): TimerHandle => {
    const timer = { id: nextId++, dueAt: now + Math.max(0, ms), callback }
    timers.push(timer)
    return { id: timer.id }
  }
  const clearTimer = (handle: TimerHandle) => {
    const id = (handle as { id?: number }).id
    const index = timers.findIndex((timer) => timer.id === id)
    if (index >= 0) timers.splice(index, 1)
  }
  const nextDue = (limit: number): ScheduledTimer | undefined => {
    let best: ScheduledTimer | undefined
    for (const timer of timers) {
      if (
        timer.dueAt <= limit &&
        (!best || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.id < best.id))
      ) {
        best = timer
      }
    }
    return best
  }
  const runUntil = async (target: number) => {
    await settle()
    for (;;) {
      const timer = nextDue(target)
      if (!timer) break
      timers.splice(timers.indexOf(timer), 1)
      now = Math.max(now, timer.dueAt)
      timer.callback()
      await settle()
    }
    now = Math.max(now, target)
  }

  const clock: FakeClock = {
    now: () => now,
    sleep: (ms, options) => sleepWithTimers(setTimer, clearTimer, ms, options?.signal),
    setTimeout: setTimer,
    clearTimeout: clearTimer,
    advance: (ms) => runUntil(now + ms),
    setTime: (time) => runUntil(typeof time === 'number' ? time : time.getTime()),
    runAll: async (maxTimers = 10_000) => {
      for (let count = 0; timers.length > 0; count++) {
        if (count >= maxTimers)
          throw new Error(`fake clock: more than ${maxTimers} timers ran; is something rescheduling forever?`)
        const timer = nextDue(Number.POSITIVE_INFINITY)
        if (!timer) break
        await runUntil(timer.dueAt)
      }
    },
    pendingTimers: () => timers.length,
  }
  return clock
}
