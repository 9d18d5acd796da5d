import { describe, expect, it } from 'vitest'
import { retry, systemClock } from '../src/index.js'
import { backoffDelay } from '../src/internal/index.js'
import { createFakeClock } from '../src/testing/index.js'

describe('fake clock', () => {
  it('fires timers in due order at their own time and never really sleeps', async () => {
    const clock = createFakeClock(1_000)
    const fired: Array<[string, number]> = []
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200)
    clock.setTimeout(() => fired.push(['a', clock.now()]), 100)
    const cancelled = clock.setTimeout(() => fired.push(['x', clock.now()]), 150)
    clock.clearTimeout(cancelled)
    const started = Date.now()
    await clock.advance(10_000)
    expect(fired).toEqual([
      ['a', 1_100],
      ['b', 1_200],
    ])
    expect(clock.now()).toBe(11_000)
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('lets chained sleeps settle inside one advance', async () => {
    const clock = createFakeClock(0)
    const seen: number[] = []
    const chain = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100)
        seen.push(clock.now())
      }
    })()
    await clock.advance(1_000)
    await chain
    expect(seen).toEqual([100, 200, 300])
  })

  it('rejects a sleep when its signal aborts', async () => {
    const clock = createFakeClock(0)
    const controller = new AbortController()
    const sleeping = clock.sleep(1_000, { signal: controller.signal })
    controller.abort()
    await expect(sleeping).rejects.toThrow(/abort/i)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('system clock sleeps for real', async () => {
    const before = systemClock.now()
    await systemClock.sleep(5)
    expect(systemClock.now()).toBeGreaterThanOrEqual(before + 4)
  })
})

describe('backoffDelay', () => {
  it('doubles from the base and caps at max', () => {
    const opts = { baseMs: 100, maxMs: 1_000, jitter: 'none' as const }
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, opts))).toEqual([100, 200, 400, 800, 1_000, 1_000])
  })
  it('applies full and equal jitter from the random source', () => {
    expect(backoffDelay(3, { baseMs: 100, jitter: 'full', random: () => 0.5 })).toBe(200)
    expect(backoffDelay(3, { baseMs: 100, jitter: 'equal', random: () => 0 })).toBe(200)
    expect(backoffDelay(3, { baseMs: 100, jitter: 'equal', random: () => 0.999 })).toBeCloseTo(399.8)
  })
})

describe('retry', () => {
  it('retries transient failures with backoff on the fake clock, then succeeds', async () => {
    const clock = createFakeClock(0)
    const attempts: number[] = []
    const delays: number[] = []
    const result = retry(
      async (attempt) => {
        attempts.push(clock.now())
        if (attempt < 3) throw new Error('transient')
        return 'ok'
      },
      { retries: 5, baseMs: 100, jitter: 'none', clock, onRetry: ({ delayMs }) => delays.push(delayMs) },
    )
    await clock.advance(1_000)
    await expect(result).resolves.toBe('ok')
    expect(attempts).toEqual([0, 100, 300])
    expect(delays).toEqual([100, 200])
  })

  it('never retries a permanent error', async () => {
    const clock = createFakeClock(0)
    let calls = 0
    const permanent = Object.assign(new Error('invalid number'), { permanent: true })
    const result = retry(
      async () => {
        calls++
        throw permanent
      },
      { retries: 5, clock, isRetryable: (err) => !(err as { permanent?: boolean }).permanent },
    )
    await expect(result).rejects.toBe(permanent)
    expect(calls).toBe(1)
  })

  it('gives up after the last retry and rethrows the last error', async () => {
    const clock = createFakeClock(0)
    let calls = 0
    const result = retry(
      async () => {
        calls++
        throw new Error(`failure ${calls}`)
      },
      { retries: 2, baseMs: 10, clock },
    )
    const assertion = expect(result).rejects.toThrow('failure 3')
    await clock.advance(1_000)
    await assertion
    expect(calls).toBe(3)
  })

  it('honours a delay the error asks for (Retry-After), capped by maxMs', async () => {
    const clock = createFakeClock(0)
    const times: number[] = []
    const result = retry(
      async (attempt) => {
        times.push(clock.now())
        if (attempt === 1) throw Object.assign(new Error('429'), { retryAfterMs: 5_000 })
        if (attempt === 2) throw Object.assign(new Error('429'), { retryAfterMs: 90_000 })
        return 'done'
      },
      {
        retries: 3,
        maxMs: 20_000,
        clock,
        retryAfterMs: (err) => (err as { retryAfterMs?: number }).retryAfterMs,
      },
    )
    await clock.advance(60_000)
    await expect(result).resolves.toBe('done')
    expect(times).toEqual([0, 5_000, 25_000])
  })

  it('stops waiting when aborted', async () => {
    const clock = createFakeClock(0)
    const controller = new AbortController()
    const result = retry(
      async () => {
        throw new Error('transient')
      },
      { retries: 5, clock, signal: controller.signal },
    )
    const assertion = expect(result).rejects.toThrow(/abort/i)
    await clock.advance(0)
    controller.abort()
    await assertion
  })
})
