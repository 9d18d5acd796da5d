import { isTransientDatabaseError, retry, systemClock } from '@opskit/core'
import { AuditError } from '../errors/audit-error.js'
import { decodeEvent, type EventBody } from '../event/event-body.js'
import type { StoredEventRow } from '../store/audit-store.js'
import type { Checkpointer } from './checkpointer.js'
import { type AuditLogContext, keysById } from './log-context.js'
import { type PendingEvent, planBatch } from './seal-batch.js'

/** Queues validated events and group-commits them. */
export interface GroupWriter {
  /** Queues one event; its promise settles after the commit of its group. */
  enqueue(pending: PendingEvent): void
  /** Resolves once every event queued so far (and any queued meanwhile) is committed or rejected. */
  flush(): Promise<void>
}

/** What the group writer needs: the log's context (without `log`/`flush`) and its checkpointer. */
export type GroupWriterContext = Pick<AuditLogContext, 'store' | 'options' | 'hooks' | 'sealer'> & {
  checkpointer: Checkpointer
}

/**
 * Commits one batch: seals it against the locked chain heads (again after a transient lock or
 * serialisation failure, which happen before commit), settles each event's promise, then feeds
 * the `onEvent` hooks and the checkpointer.
 */
async function commitBatch(context: GroupWriterContext, batch: PendingEvent[], more: boolean): Promise<void> {
  const { store, options, hooks } = context
  const { plan, chains, sealedKeys } = planBatch(batch, more, context)
  // Only hooks registered before the batch was sealed see its events.
  const hadHooks = hooks.size > 0
  const started = performance.now()
  let rows: StoredEventRow[]
  try {
    rows = await retry(() => store.append(plan), {
      retries: 4,
      baseMs: 25,
      maxMs: 1_000,
      jitter: 'full',
      isRetryable: isTransientDatabaseError,
      clock: systemClock,
      onRetry: ({ error, attempt }) =>
        options.logger.warn({ err: error, attempt }, 'audit group commit retried'),
    })
  } catch (error) {
    options.metrics.batchFailed?.(batch.length)
    const failure =
      error instanceof AuditError
        ? error
        : new AuditError('AUDIT_STORE_FAILED', 'committing audit events failed', {
            cause: error,
            retryable: true,
          })
    for (const pending of batch) pending.reject(failure)
    return
  }
  options.metrics.batchCommitted?.(rows.length, performance.now() - started)
  for (const pending of batch) {
    const row = pending.row as StoredEventRow
    pending.resolve({ id: row.id, chainId: row.chainId, seq: row.seq, hash: row.hash })
  }
  if (hadHooks && hooks.size > 0) {
    // Hooks see the plaintext that was logged, decoded from the committed rows, in queue order
    // (which is seq order within each chain).
    const keys = keysById(sealedKeys())
    hooks.emit(
      batch.map((pending) => {
        const row = pending.row as StoredEventRow
        return decodeEvent(row, JSON.parse(row.body) as EventBody, keys)
      }),
    )
  }
  await context.checkpointer.committed(rows, chains)
}

/**
 * The group writer: events queued while a commit runs go into the next one (up to `maxBatch`).
 * Batches are in flight one at a time, or as the store pipelines them (the SQLite writer thread):
 * chunks posted back to back, of which up to `maxBatch` events commit together, while the next
 * chunks are sealed.
 */
export function createGroupWriter(context: GroupWriterContext): GroupWriter {
  const { store, options } = context
  const { maxBatch } = options
  const { maxInFlight, chunkSize } = store.pipeline ?? { maxInFlight: 1, chunkSize: maxBatch }
  const queue: PendingEvent[] = []
  let inFlight = 0
  let scheduled = false
  let idle: Array<() => void> = []

  const settleIdle = () => {
    if (scheduled || inFlight > 0 || queue.length > 0) return
    const waiting = idle
    idle = []
    for (const resolve of waiting) resolve()
  }

  const pump = () => {
    scheduled = false
    let grouped = 0
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = queue.splice(0, Math.min(chunkSize, maxBatch - grouped))
      inFlight++
      grouped += batch.length
      // Another chunk follows in this same turn: the store may commit the two together.
      const more = queue.length > 0 && inFlight < maxInFlight && grouped < maxBatch
      if (!more) grouped = 0
      commitBatch(context, batch, more)
        .catch((error) => options.logger.error({ err: error }, 'audit group commit failed'))
        .finally(() => {
          inFlight--
          if (queue.length > 0) kick()
          else settleIdle()
        })
    }
    settleIdle()
  }

  const kick = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(pump)
  }

  return {
    enqueue(pending) {
      queue.push(pending)
      kick()
    },
    flush: () =>
      new Promise((resolve) => {
        idle.push(resolve)
        settleIdle()
      }),
  }
}
