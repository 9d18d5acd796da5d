import { type Clock, isOpskitError, type Logger } from '@opskit/core'
import type { NotifyStore } from '../store/notify-store.js'
import type { OutboxRecord } from '../store/records.js'
import type { OutboxDispatcher, OutboxDispatcherOptions, SendResult } from './notifier-types.js'

interface DispatcherContext {
  store: NotifyStore
  clock: Clock
  logger: Logger
  owner: string
  options: OutboxDispatcherOptions
  send: (
    message: Record<string, unknown>,
    tenantId: string,
  ) => Promise<{ result: SendResult; inFlight?: boolean; deferUntil?: number }>
  onStop: () => void
}

/** Polls the outbox, claims rows under a lease, sends them through the notifier and records the outcome. */
export function startOutboxDispatcher(context: DispatcherContext): OutboxDispatcher {
  const { store, clock, logger, owner } = context
  const batchSize = context.options.batchSize ?? 50
  const pollIntervalMs = context.options.pollIntervalMs ?? 500
  const leaseMs = context.options.leaseMs ?? 60_000
  const concurrency = context.options.concurrency ?? 8
  const onError =
    context.options.onError ?? ((error: unknown) => logger.error({ err: error }, 'outbox batch failed'))
  const stopper = new AbortController()
  let running = true

  const handle = async (row: OutboxRecord) => {
    try {
      const outcome = await context.send({ ...row.message, idempotencyKey: row.idempotencyKey }, row.tenantId)
      if (outcome.inFlight) {
        await store.releaseOutbox(row.tenantId, row.id, owner, clock.now() + leaseMs)
      } else if (outcome.deferUntil !== undefined && outcome.deferUntil > clock.now()) {
        await store.releaseOutbox(row.tenantId, row.id, owner, outcome.deferUntil)
      } else {
        await store.finishOutbox(row.tenantId, row.id, owner, 'done')
      }
    } catch (error) {
      if (isOpskitError(error) && !error.retryable && error.code !== 'NOTIFY_CLOSED') {
        logger.error({ outboxId: row.id, code: error.code }, 'outbox message cannot be sent; marked failed')
        await store.finishOutbox(row.tenantId, row.id, owner, 'failed')
      } else {
        await store.releaseOutbox(
          row.tenantId,
          row.id,
          owner,
          clock.now() + Math.min(60_000, 1000 * 2 ** Math.min(row.attempts, 6)),
        )
        throw error
      }
    }
  }

  const runOnce = async (): Promise<number> => {
    const rows = await store.claimOutbox({ owner, limit: batchSize, leaseMs, now: clock.now() })
    let next = 0
    const errors: unknown[] = []
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++] as OutboxRecord
        await handle(row).catch((error: unknown) => errors.push(error))
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker))
    if (errors.length > 0) onError(errors[0])
    return rows.length
  }

  const loop = async () => {
    while (running) {
      let handled = 0
      try {
        handled = await runOnce()
      } catch (error) {
        onError(error)
      }
      if (handled === 0 && running) {
        await clock.sleep(pollIntervalMs, { signal: stopper.signal }).catch(() => {})
      }
    }
  }
  const done = context.options.autoStart === false ? Promise.resolve() : loop()

  return {
    owner,
    runOnce,
    async stop() {
      running = false
      stopper.abort()
      await done
      context.onStop()
    },
  }
}
