import { createFakeClock, createMemoryLogger } from '@opskit/core/testing'
import { expect, it } from 'vitest'
import { createProviderChain } from '../src/delivery/provider-chain.js'
import { createMockSmsProvider } from '../src/testing/index.js'

const TIMEOUT_MS = 1_000

function setup() {
  const clock = createFakeClock()
  const chain = createProviderChain({
    clock,
    logger: createMemoryLogger(),
    rateLimits: {},
    maxBuckets: 10,
    sendTimeoutMs: TIMEOUT_MS,
    retry: { retries: 0, baseMs: 1, maxMs: 1 },
  })
  const provider = createMockSmsProvider('slow')
  /** A call that settles only when its signal aborts (rejecting) or when `finish` is called. */
  const hanging = () => {
    let finish: (value: string) => void = () => {}
    const finished = new Promise<string>((resolve) => {
      finish = resolve
    })
    let signal: AbortSignal | undefined
    const result = chain.call('', provider, (callSignal) => {
      signal = callSignal
      return new Promise<string>((resolve, reject) => {
        void finished.then(resolve)
        callSignal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
      })
    })
    result.catch(() => {})
    return { result, finish, signal: () => signal }
  }
  return { clock, hanging }
}

const timedOut = { code: 'NOTIFY_PROVIDER_TRANSIENT', details: { providerCode: 'TIMEOUT' } }

it('aborts each provider call sendTimeoutMs after its own start, calls of one instant together', async () => {
  const { clock, hanging } = setup()
  const first = hanging()
  const second = hanging() // the same instant: the same deadline
  await clock.advance(400)
  const later = hanging()
  await clock.advance(TIMEOUT_MS - 400)
  await expect(first.result).rejects.toMatchObject(timedOut)
  await expect(second.result).rejects.toMatchObject(timedOut)
  // the later call has 400 ms left: the earlier deadline did not abort it
  expect(later.signal()?.aborted).toBe(false)
  await clock.advance(399)
  expect(later.signal()?.aborted).toBe(false)
  await clock.advance(1)
  await expect(later.result).rejects.toMatchObject(timedOut)
  expect(clock.pendingTimers()).toBe(0)
})

it('keeps the deadline while one call of the instant runs, and clears its timer after the last', async () => {
  const { clock, hanging } = setup()
  const first = hanging()
  const second = hanging()
  await new Promise((resolve) => setImmediate(resolve)) // the calls start (past the rate limiter's turn)
  first.finish('one')
  await expect(first.result).resolves.toBe('one')
  expect(clock.pendingTimers()).toBe(1) // the second call still holds the deadline
  await clock.advance(TIMEOUT_MS)
  await expect(second.result).rejects.toMatchObject(timedOut)
  // calls that settle in time leave no timer behind, and a new call of the same instant
  // after them gets a deadline of its own
  const third = hanging()
  third.finish('three')
  await expect(third.result).resolves.toBe('three')
  expect(clock.pendingTimers()).toBe(0)
  const fourth = hanging()
  await new Promise((resolve) => setImmediate(resolve))
  expect(fourth.signal()?.aborted).toBe(false)
  await clock.advance(TIMEOUT_MS)
  await expect(fourth.result).rejects.toMatchObject(timedOut)
})

it('a shared deadline takes a listener per concurrent request without a leak warning', async () => {
  const { clock, hanging } = setup()
  const warnings: Error[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onWarning)
  try {
    const calls = Array.from({ length: 40 }, () => hanging())
    expect(new Set(calls.map((call) => call.signal())).size).toBe(1)
    await new Promise((resolve) => setImmediate(resolve))
    for (const [i, call] of calls.entries()) call.finish(String(i))
    await Promise.all(calls.map((call) => call.result))
    expect(clock.pendingTimers()).toBe(0)
  } finally {
    process.off('warning', onWarning)
  }
  expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
})
