import { type Clock, isOpskitError, type Logger, retry } from '@opskit/core'
import { setBounded } from '@opskit/core/internal'
import { providerError } from '../errors/notify-error.js'
import type { AnyProvider } from '../providers/index.js'
import type { ProviderResult } from '../providers/provider-common.js'
import { createTokenBucket, type RateLimit, type TokenBucket } from '../rate-limit/token-bucket.js'
import type { Channel } from '../types/channel.js'
import { createCallDeadlines } from './call-deadlines.js'

/** A delivery error as the delivery log keeps it: the vendor code when there is one, no secrets. */
export function errorSummary(error: unknown): { code: string; message: string } {
  if (isOpskitError(error)) {
    const providerCode = error.details?.providerCode
    return { code: providerCode === undefined ? error.code : String(providerCode), message: error.message }
  }
  return { code: 'ERROR', message: error instanceof Error ? error.name : 'unknown error' }
}

/** The outcome of trying a channel's providers in order. */
export interface ChainOutcome {
  provider: string
  attempts: number
  result?: ProviderResult
  error?: unknown
}

/** Options of {@link createProviderChain}. */
export interface ProviderChainOptions {
  clock: Clock
  logger: Logger
  rateLimits: Record<string, RateLimit>
  /** Most per-tenant buckets kept (least recently used dropped first). */
  maxBuckets: number
  sendTimeoutMs: number
  retry: { retries: number; baseMs: number; maxMs: number }
}

/** How the notifier calls providers: rate limits, a timeout per call, retries, failover. */
export interface ProviderChain {
  /**
   * One provider call: waits for the tenant's token bucket of the provider, aborts after the
   * timeout, types any error.
   */
  call<R>(tenantId: string, provider: AnyProvider, call: (signal: AbortSignal) => Promise<R>): Promise<R>
  /** Runs `attempt` with exponential backoff and full jitter while it throws retryable errors. */
  withRetries<R>(attempt: () => Promise<R>): Promise<R>
  /** Tries each provider in order, with retries on each; stops early when the recipient is invalid. */
  viaProviders<P extends AnyProvider>(
    channel: Channel,
    list: readonly P[],
    send: (provider: P) => Promise<ProviderResult>,
  ): Promise<ChainOutcome>
}

/** Creates the notifier's {@link ProviderChain}. */
export function createProviderChain(options: ProviderChainOptions): ProviderChain {
  const { clock, logger, sendTimeoutMs } = options
  const buckets = new Map<string, TokenBucket>()
  const deadlines = createCallDeadlines(clock, sendTimeoutMs)
  /** The bucket of a tenant and provider: per tenant, or one per provider with `scope: 'provider'`. */
  const bucketOf = (tenantId: string, name: string): TokenBucket | undefined => {
    const limit = options.rateLimits[name]
    if (limit === undefined) return undefined
    const key = limit.scope === 'provider' ? `\u0000${name}` : `${tenantId}\u0000${name}`
    let bucket = buckets.get(key)
    if (bucket === undefined) {
      bucket = createTokenBucket(limit, clock)
      setBounded(buckets, key, bucket, options.maxBuckets)
    } else if (limit.scope !== 'provider') {
      setBounded(buckets, key, bucket, options.maxBuckets) // the most recently used goes last
    }
    return bucket
  }
  const retryOptions = {
    ...options.retry,
    jitter: 'full' as const,
    clock,
    isRetryable: (error: unknown) => isOpskitError(error) && error.retryable,
    retryAfterMs: (error: unknown) => {
      const value = isOpskitError(error) ? error.details?.retryAfterMs : undefined
      return typeof value === 'number' ? value : undefined
    },
  }

  const call = async <R>(
    tenantId: string,
    provider: AnyProvider,
    send: (signal: AbortSignal) => Promise<R>,
  ): Promise<R> => {
    await bucketOf(tenantId, provider.name)?.take()
    const deadline = deadlines.acquire()
    try {
      return await send(deadline.signal)
    } catch (error) {
      if (isOpskitError(error)) throw error
      if (deadline.signal.aborted) {
        throw providerError({
          provider: provider.name,
          retryable: true,
          message: `timed out after ${sendTimeoutMs} ms`,
          providerCode: 'TIMEOUT',
        })
      }
      const code = (error as { code?: unknown })?.code
      throw providerError({
        provider: provider.name,
        retryable: true,
        message: `unexpected ${error instanceof Error ? error.name : 'error'}${typeof code === 'string' ? ` (${code})` : ''}`,
        ...(typeof code === 'string' ? { providerCode: code } : {}),
        cause: error,
      })
    } finally {
      deadlines.release(deadline)
    }
  }

  const withRetries = <R>(attempt: () => Promise<R>): Promise<R> => retry(attempt, retryOptions)

  const viaProviders = async <P extends AnyProvider>(
    channel: Channel,
    list: readonly P[],
    send: (provider: P) => Promise<ProviderResult>,
  ): Promise<ChainOutcome> => {
    let attempts = 0
    let lastError: unknown
    let lastProvider = ''
    for (const provider of list) {
      lastProvider = provider.name
      try {
        const result = await withRetries(async () => {
          attempts++
          return send(provider)
        })
        return { provider: provider.name, attempts, result }
      } catch (error) {
        lastError = error
        logger.warn(
          { channel, provider: provider.name, code: errorSummary(error).code, attempts },
          'provider failed; trying the next one if any',
        )
        if (isOpskitError(error) && error.details?.recipientInvalid) break
      }
    }
    return { provider: lastProvider, attempts, error: lastError }
  }

  return { call, withRetries, viaProviders }
}
